package org.tpmssh.tpm.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.ObjectAttributes;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.testing.SimulatorTpm;

/**
 * TPM2_Create with sealed data and TPM2_Unseal on a real swtpm, through the salted session: the
 * data comes back, a wrong authValue is refused, and neither the data nor the authValue is ever
 * on the transport in clear (both directions recorded).
 */
class UnsealTest {
    private static final byte[] AUTH = "unseal-auth-4471".getBytes(StandardCharsets.UTF_8);
    private static final byte[] DATA = "a token secret of 32 bytes.....!".getBytes(StandardCharsets.UTF_8);

    @Test
    void sealedDataComesBackOnlyWithItsAuthValueAndNeverCrossesTheBusInClear() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start(); KeyRing ring = KeyRing.open(fx.tpm)) {
            DictionaryAttack.relaxForOwnSimulator(fx.tpm);
            fx.recorder.startRecording();
            Create.Result sealed = ring.createBlob(Templates.sealedData(false), AUTH, DATA);
            assertThat(sealed.outPublic().type()).isEqualTo(Alg.KEYEDHASH);
            assertThat(sealed.outPublic().attributes() & ObjectAttributes.NO_DA).isZero();
            TpmObject obj = ring.register(sealed.outPrivate(), sealed.outPublic(), "seal");

            assertThat(ring.unseal(obj, AUTH)).isEqualTo(DATA);

            byte[] wrong = AUTH.clone();
            wrong[0] ^= 1;
            assertThatThrownBy(() -> ring.unseal(obj, wrong)).isInstanceOfSatisfying(TpmResponseException.class,
                    e -> assertThat(e.baseCode()).isEqualTo(ResponseCodes.AUTH_FAIL));

            assertThat(fx.recorder.sent()).hasSizeGreaterThanOrEqualTo(4);
            for (byte[] frame : fx.recorder.sent()) {
                assertThat(PinNeverOnTheWireTest.indexOf(frame, AUTH)).isEqualTo(-1);
                assertThat(PinNeverOnTheWireTest.indexOf(frame, DATA, 0, 8)).isEqualTo(-1);
            }
            for (byte[] frame : fx.recorder.received()) {
                assertThat(PinNeverOnTheWireTest.indexOf(frame, DATA, 0, 8)).as("sealed data in a response")
                        .isEqualTo(-1);
            }
        }
    }

    @Test
    void theRecordingWouldSeeUnsealedDataWithoutResponseEncryption() throws Exception {
        // Control: the same check catches the data when Unseal goes through a password session.
        try (SimulatorTpm fx = SimulatorTpm.start(); KeyRing ring = KeyRing.open(fx.tpm)) {
            Create.Result sealed = ring.createBlob(Templates.sealedData(true), new byte[0], DATA);
            TpmObject obj = ring.register(sealed.outPrivate(), sealed.outPublic(), "seal");
            fx.recorder.startRecording();
            byte[] out = ring.cache().use(obj, h -> new Unseal(new AuthHandle(h, obj.name(), null,
                    org.tpmssh.tpm.sessions.Session.password())).execute(fx.tpm));
            assertThat(out).isEqualTo(DATA);
            assertThat(fx.recorder.received()).anySatisfy(
                    f -> assertThat(PinNeverOnTheWireTest.indexOf(f, DATA, 0, 8)).isNotNegative());
        }
    }
}
