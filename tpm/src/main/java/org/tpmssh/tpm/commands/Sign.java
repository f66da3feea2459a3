package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;

/**
 * TPM2_Sign of a digest the caller computed, with an explicit scheme (ECDSA, RSASSA or
 * RSAPSS) and hash. Unrestricted keys need no hash-check ticket, so we send the NULL ticket.
 */
public record Sign(AuthHandle key, byte[] digest, int scheme, int hash) {
    private static final int ST_HASHCHECK = 0x8024;

    public Signature execute(Tpm tpm) throws TpmException {
        return Signature.read(tpm.execute(CommandCode.SIGN, List.of(key), List.of(), params(), true, 0, false)
                .params());
    }

    /** The parameter area, public so benchmarks can time a raw TPM2_Sign of the same bytes. */
    public byte[] params() {
        TpmWriter p = new TpmWriter(digest.length + 16);
        p.tpm2b(digest);
        p.u16(scheme).u16(hash);
        p.u16(ST_HASHCHECK).u32(Handles.RH_NULL).tpm2b(null);
        return p.toByteArray();
    }

    public static Sign ecdsa(AuthHandle key, byte[] digest) {
        return new Sign(key, digest, Alg.ECDSA, hashFor(digest));
    }

    static int hashFor(byte[] digest) {
        switch (digest.length) {
            case 32: return Alg.SHA256;
            case 48: return Alg.SHA384;
            case 64: return Alg.SHA512;
            case 20: return Alg.SHA1;
            default: throw new IllegalArgumentException("a digest of " + digest.length + " bytes matches no hash");
        }
    }
}
