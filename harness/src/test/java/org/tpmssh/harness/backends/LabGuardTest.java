package org.tpmssh.harness.backends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.Signature;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.tpmssh.axes.Backend;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.harness.lab.LabGuard;
import org.tpmssh.harness.lab.LabSafetyException;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.CreatePrimary;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.transport.Tcti;

/** The lab rules, checked on a real swtpm that the harness treats exactly as a lab device ({@code swtpm-as-device}). */
class LabGuardTest {
    private static final char[] PIN = "482913".toCharArray();

    private static TpmBackend asDevice(boolean allowLabWrites) throws Exception {
        return Backends.start(Backend.SWTPM_AS_DEVICE, new Backends.Config(Optional.empty(), allowLabWrites));
    }

    @Test
    @DisplayName("a run that creates, signs, persists and evicts leaves the handle lists as it found them")
    void fullRunLeavesNoResidue() throws Exception {
        TpmBackend backend = asDevice(true);
        try {
            LabGuard guard = backend.labGuard().orElseThrow();
            assertThat(GetCapability.property(backend.tpm(), GetCapability.PT_MAX_AUTH_FAIL))
                    .as("device rules never change the DA parameters (swtpm's default is 3)").isEqualTo(3);
            KeyRing ring = backend.ring();
            try (TpmSshKey key = TpmSshKeys.create(ring, KeyType.ECC_P256, PIN, "lab-key")) {
                byte[] data = "lab signing check".getBytes();
                byte[] sig = key.sign(data, 0);
                assertThat(verifiesWithJca(key, data, sig)).as("JCA verifies the TPM's signature").isTrue();

                int handle = guard.persist(backend.tpm(), ring.cache(), key.object());
                assertThat(GetCapability.handles(backend.tpm(), Handles.PERSISTENT_FIRST)).contains(handle);
                assertThat(guard.outstanding()).containsExactly(handle);
                guard.evict(backend.tpm(), handle, key.object().name());
                assertThat(guard.outstanding()).isEmpty();
            }
        } finally {
            backend.close(); // throws LabSafetyException if anything is left
        }
        assertThat(backend.labGuard().orElseThrow().snapshot().get("persistent objects")).isEmpty();
    }

    @Test
    @DisplayName("a leftover persistent object and a leftover transient object fail the run loudly")
    void leftoverObjectsAreDetected() throws Exception {
        TpmBackend backend = asDevice(true);
        int persisted;
        {
            Tpm tpm = backend.tpm();
            LabGuard guard = backend.labGuard().orElseThrow();
            KeyRing ring = backend.ring();
            try (TpmSshKey key = TpmSshKeys.create(ring, KeyType.ECC_P256, PIN, "left-behind")) {
                persisted = guard.persist(backend.tpm(), ring.cache(), key.object());
            }
            // A transient primary that nobody flushes: what a buggy stack would leave.
            new CreatePrimary(AuthHandle.owner(), Templates.srkEcc(), new byte[0]).execute(tpm);
        }
        assertThatThrownBy(backend::close)
                .isInstanceOf(LabSafetyException.class)
                .hasMessageContaining("LAB SAFETY")
                .hasMessageContaining("persistent objects left behind: [" + Handles.hex(persisted) + "]")
                .hasMessageContaining("transient objects left behind");
    }

    @Test
    @DisplayName("without allowLabWrites nothing is made persistent")
    void persistingNeedsAllowLabWrites() throws Exception {
        try (TpmBackend backend = asDevice(false)) {
            KeyRing ring = backend.ring();
            try (TpmSshKey key = TpmSshKeys.create(ring, KeyType.ECC_P256, PIN, "no-writes")) {
                assertThatThrownBy(() -> backend.labGuard().orElseThrow().persist(backend.tpm(), ring.cache(),
                        key.object()))
                        .isInstanceOf(LabSafetyException.class)
                        .hasMessageContaining("--allow-lab-writes");
                assertThat(GetCapability.handles(backend.tpm(), Handles.PERSISTENT_FIRST)).isEmpty();
            }
        }
    }

    @Test
    @DisplayName("a TPM in dictionary-attack lockout is refused before anything runs")
    void lockedOutTpmIsRefused() throws Exception {
        try (Swtpm swtpm = Swtpm.start(); Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            // Our own swtpm, locked out on purpose: one failure is enough, and it is not forgotten soon.
            DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), 1, 1000, 1000);
            try (KeyRing ring = KeyRing.open(tpm)) {
                TpmSshKey key = TpmSshKeys.create(ring, KeyType.ECC_P256, PIN, "lockout");
                try (TpmSshKey wrong = TpmSshKeys.fromObject(ring, key.object(), "000000".toCharArray(), "wrong");
                        TpmSshKey another = TpmSshKeys.fromObject(ring, key.object(), "111111".toCharArray(),
                                "another")) {
                    // One failure is counted and locks the TPM out; the next (another wrong PIN, since a refused
                    // one is never put to the TPM again) is refused as lockout.
                    assertThatThrownBy(() -> wrong.sign(new byte[] {1}, 0)).isInstanceOf(AgentSignException.class)
                            .hasCauseInstanceOf(PinIncorrectException.class).hasMessageContaining("is incorrect");
                    assertThatThrownBy(() -> another.sign(new byte[] {1}, 0)).isInstanceOf(AgentSignException.class)
                            .hasCauseInstanceOf(PinLockedException.class)
                            .hasMessageContaining("dictionary-attack lockout");
                }
                key.close();
                assertThatThrownBy(() -> LabGuard.begin(tpm, false))
                        .isInstanceOf(LabSafetyException.class)
                        .hasMessageContaining("dictionary-attack lockout; refusing to run");
            }
        }
    }

    @Test
    @DisplayName("a lab run can only evict handles it persisted itself")
    void evictingForeignHandlesIsRefused() throws Exception {
        try (TpmBackend backend = asDevice(true)) {
            assertThatThrownBy(() -> backend.labGuard().orElseThrow().evict(backend.tpm(), 0x81000001, new byte[0]))
                    .isInstanceOf(LabSafetyException.class)
                    .hasMessageContaining("did not create it");
        }
    }

    private static boolean verifiesWithJca(TpmSshKey key, byte[] data, byte[] sshSignature) throws Exception {
        var pub = key.object().publicArea().toPublicKey();
        var reader = new org.tpmssh.stack.ssh.SshWireReader(sshSignature);
        assertThat(reader.readUtf8()).isEqualTo("ecdsa-sha2-nistp256");
        var inner = new org.tpmssh.stack.ssh.SshWireReader(reader.readString());
        var r = inner.readMpint();
        var s = inner.readMpint();
        Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
        v.initVerify(pub);
        v.update(data);
        byte[] p1363 = new byte[64];
        copy(r, p1363, 0);
        copy(s, p1363, 32);
        return v.verify(p1363) && List.of(Alg.ECC_NIST_P256).contains(key.object().publicArea().eccParms().curve());
    }

    private static void copy(java.math.BigInteger v, byte[] out, int at) {
        byte[] b = v.toByteArray();
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, at + 32 - n, n);
    }
}
