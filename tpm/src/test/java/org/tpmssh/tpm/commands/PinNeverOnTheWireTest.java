package org.tpmssh.tpm.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.testing.SimulatorTpm;
import org.tpmssh.tpm.testing.Verify;

/**
 * Records every byte written to and read from the transport while a PIN-protected key is
 * created and used, and proves the PIN (which is the key's authValue) never appears in them.
 */
class PinNeverOnTheWireTest {
    private static final byte[] PIN = "7391-Wire-Secret".getBytes(StandardCharsets.UTF_8);

    @Test
    void createAndSignWithAPinKeepTheAuthValueOffTheTransport() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start(); KeyRing ring = KeyRing.open(fx.tpm)) {
            fx.recorder.startRecording();
            TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "wire");
            byte[] msg = "signed while recorded".getBytes(StandardCharsets.UTF_8);
            Signature sig = ring.sign(key, PIN, Alg.hash(Alg.SHA256, msg), Alg.ECDSA, Alg.SHA256);
            assertThat(Verify.jca(key.publicArea().toPublicKey(), msg, sig)).isTrue();

            List<byte[]> sent = fx.recorder.sent();
            // Session start, Create, Load and Sign at the least: the recording is not empty.
            assertThat(sent.size()).isGreaterThanOrEqualTo(4);
            for (byte[] frame : sent) {
                assertThat(indexOf(frame, PIN)).as("PIN in a command").isEqualTo(-1);
                assertThat(indexOf(frame, PIN, 0, 6)).as("a 6-byte run of the PIN in a command").isEqualTo(-1);
            }
            for (byte[] frame : fx.recorder.received()) {
                assertThat(indexOf(frame, PIN)).as("PIN in a response").isEqualTo(-1);
            }
        }
    }

    @Test
    void theSameRecordingCatchesAPinSentThroughAPasswordSession() throws Exception {
        // The check above could not fail if the recorder saw nothing: show it sees a password session.
        try (SimulatorTpm fx = SimulatorTpm.start(); KeyRing ring = KeyRing.open(fx.tpm)) {
            TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "pw");
            fx.recorder.startRecording();
            ring.cache().use(key, h -> Sign.ecdsa(new AuthHandle(h, key.name(), PIN,
                    org.tpmssh.tpm.sessions.Session.password()), new byte[32]).execute(fx.tpm));
            assertThat(fx.recorder.sent()).anySatisfy(frame -> assertThat(indexOf(frame, PIN)).isNotNegative());
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        return indexOf(hay, needle, 0, needle.length);
    }

    static int indexOf(byte[] hay, byte[] needle, int off, int len) {
        outer:
        for (int i = 0; i + len <= hay.length; i++) {
            for (int j = 0; j < len; j++) {
                if (hay[i + j] != needle[off + j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
