package org.tpmssh.tpm.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.testing.Verify;
import org.tpmssh.tpm.transport.SwtpmTransport;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TransportTimeouts;

/** A swtpm power cycle under a live KeyRing: the next signature restarts the TPM and reloads the key. */
class ResetRecoveryTest {
    private static final byte[] PIN = "reset-pin-31".getBytes(StandardCharsets.UTF_8);

    @Test
    void aKeySignsAgainAfterTheTpmIsPowerCycled() throws Exception {
        try (Swtpm sw = Swtpm.start()) {
            Tcti.Swtpm tcti = (Tcti.Swtpm) Tcti.parse(sw.tcti());
            try (KeyRing ring = KeyRing.open(new Tpm(tcti.open()))) {
                DictionaryAttack.relaxForOwnSimulator(ring.tpm());
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "k");
                byte[] before = "before".getBytes(StandardCharsets.UTF_8);
                Signature s1 = ring.sign(key, PIN, Alg.hash(Alg.SHA256, before), Alg.ECDSA, Alg.SHA256);
                assertThat(Verify.jca(key.publicArea().toPublicKey(), before, s1)).isTrue();

                try (SwtpmTransport.Control control = tcti.control(TransportTimeouts.DEFAULT)) {
                    control.powerCycle();
                }

                byte[] after = "after a power cycle".getBytes(StandardCharsets.UTF_8);
                Signature s2 = ring.sign(key, PIN, Alg.hash(Alg.SHA256, after), Alg.ECDSA, Alg.SHA256);
                assertThat(Verify.jca(key.publicArea().toPublicKey(), after, s2)).isTrue();
                // The wrong PIN is still refused, not taken for a reset.
                assertThatThrownBy(() -> ring.sign(key, "bad".getBytes(StandardCharsets.UTF_8), new byte[32],
                        Alg.ECDSA, Alg.SHA256))
                        .isInstanceOfSatisfying(TpmResponseException.class,
                                e -> assertThat(e.rcName()).isEqualTo("TPM_RC_AUTH_FAIL"));
                // Only the SRK and the key are loaded: nothing from before the reset is left over.
                assertThat(GetCapability.handles(ring.tpm(), Handles.TRANSIENT_FIRST)).hasSizeLessThanOrEqualTo(2);
            }
        }
    }
}
