package org.tpmssh.bench;

import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TpmTransport;

/**
 * The swtpm every benchmark runs on, with its key ring and the hand-marshalled TPM2_Sign that is
 * each benchmark's floor.
 */
final class BenchTpm implements AutoCloseable {
    final Swtpm swtpm;
    final TpmTransport transport;
    final KeyRing ring;

    private BenchTpm(Swtpm swtpm, TpmTransport transport, KeyRing ring) {
        this.swtpm = swtpm;
        this.transport = transport;
        this.ring = ring;
    }

    static BenchTpm start() throws Exception {
        return start(Swtpm.start());
    }

    /** On a swtpm of the caller's (e.g. on a unix socket, which needs no free port pair). */
    static BenchTpm start(Swtpm swtpm) throws Exception {
        TpmTransport transport = null;
        try {
            transport = Tcti.parse(swtpm.tcti()).open();
            Tpm tpm = new Tpm(transport);
            // A fresh swtpm locks out after 3 failures; nothing here fails, but a benchmark must not hang on it.
            DictionaryAttack.relaxForOwnSimulator(tpm);
            return new BenchTpm(swtpm, transport, KeyRing.open(tpm, ParentKind.ECC.template()));
        } catch (Exception | Error e) {
            if (transport != null) {
                transport.close();
            }
            swtpm.close();
            throw e;
        }
    }

    /** TPM2_Sign with a password session and an empty authValue, marshalled by hand. */
    static byte[] rawSignCommand(int keyHandle, byte[] params) {
        TpmWriter w = new TpmWriter(64 + params.length);
        w.u16(0x8002 /* TPM_ST_SESSIONS */).u32(0).u32(CommandCode.SIGN).u32(keyHandle);
        w.u32(9).u32(Handles.RS_PW).u16(0 /* nonce */).u8(0x01 /* continueSession */).u16(0 /* empty auth */);
        w.bytes(params);
        w.patchU32(2, w.length());
        return w.toByteArray();
    }

    /** Sends a prepared raw command and fails unless the TPM answered TPM_RC_SUCCESS. */
    byte[] transmitChecked(byte[] command) throws Exception {
        return checked(transport.transmit(command));
    }

    /** A raw TPM2_Sign's response, if its rc is TPM_RC_SUCCESS. */
    static byte[] checked(byte[] r) {
        int rc = ((r[6] & 0xFF) << 24) | ((r[7] & 0xFF) << 16) | ((r[8] & 0xFF) << 8) | (r[9] & 0xFF);
        if (rc != 0) {
            throw new IllegalStateException("the raw TPM2_Sign failed with rc 0x" + Integer.toHexString(rc));
        }
        return r;
    }

    @Override
    public void close() {
        try {
            ring.close();
        } finally {
            swtpm.close();
        }
    }
}
