package org.tpmssh.stack.p11kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Ckr;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.sessions.Session;

/**
 * Wrong PINs over the RPC on our own swtpm with strict DA (3 tries, 600 s recovery, never relaxed):
 * each is CKR_PIN_INCORRECT and raises the TPM's own lockout counter; then the TPM refuses even the
 * right PIN (CKR_PIN_LOCKED) and the token shows CKF_USER_PIN_LOCKED, while the PIN-less token still signs.
 */
class P11KitLockoutTest {
    @TempDir
    Path dir;

    @Test
    void wrongPinsAreCountedByTheTpmUntilItLocksOut() throws Exception {
        try (P11KitFixture f = P11KitFixture.start(dir, List.of(KeyType.ECC_P256),
                tpm -> DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), 3, 600, 1))) {
            Path socket = dir.resolve("run/s");
            f.serve(socket, P11KitOptions.defaults());
            try (P11KitTestClient c = P11KitTestClient.connect(socket)) {
                c.initialize();
                List<Long> slots = c.slots();
                long pinned = slots.get(1);
                assertThat(c.tokenInfo(pinned)[0]).isEqualTo("pinned");
                long s = c.openSession(pinned);
                for (int i = 1; i <= 3; i++) {
                    assertThat(c.login(s, Ck.CKU_USER, "000" + i)).isEqualTo(Ckr.PIN_INCORRECT);
                    assertThat(counter(f)).as("the TPM counted wrong PIN %d", i).isEqualTo(i);
                }
                assertThat(c.login(s, Ck.CKU_USER, P11KitFixture.PIN)).as("locked out: even the right PIN")
                        .isEqualTo(Ckr.PIN_LOCKED);
                long flags = (Long) c.tokenInfo(pinned)[1];
                assertThat(flags & Ck.CKF_USER_PIN_LOCKED).isNotZero();

                long free = c.openSession(slots.get(0));
                List<Long> robot = c.find(free, new long[] {Ck.CKA_CLASS}, new Object[] {Ck.CKO_PRIVATE_KEY});
                assertThat(c.signInit(free, Ck.CKM_ECDSA_SHA256, robot.get(0))).isZero();
                byte[] sig = c.sign(free, P11KitServerTest.MSG, 64).byteArray();
                assertThat(P11KitServerTest.verifies("SHA256withECDSAinP1363Format",
                        P11KitServerTest.publicKey(c, free, robot.get(0)), P11KitServerTest.MSG, sig))
                        .as("a PIN-less key signs in lockout").isTrue();
            }
        }
    }

    /** Issue 10: the same wrong PIN over the RPC, from one client or several, spends one dictionary-attack try. */
    @Test
    void theSameWrongPinIsCountedOnceAcrossClients() throws Exception {
        try (P11KitFixture f = P11KitFixture.start(dir, List.of(KeyType.ECC_P256),
                tpm -> DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), 10, 600, 1))) {
            Path socket = dir.resolve("run/s");
            f.serve(socket, P11KitOptions.defaults());
            for (int client = 0; client < 3; client++) {
                try (P11KitTestClient c = P11KitTestClient.connect(socket)) {
                    c.initialize();
                    long s = c.openSession(c.slots().get(1));
                    for (int i = 0; i < 5; i++) {
                        assertThat(c.login(s, Ck.CKU_USER, "0000")).isEqualTo(Ckr.PIN_INCORRECT);
                    }
                }
            }
            assertThat(counter(f)).as("15 C_Login calls with one wrong PIN from 3 clients").isEqualTo(1);
            try (P11KitTestClient c = P11KitTestClient.connect(socket)) {
                c.initialize();
                long s = c.openSession(c.slots().get(1));
                assertThat(c.login(s, Ck.CKU_USER, P11KitFixture.PIN)).isZero();
            }
            assertThat(counter(f)).isEqualTo(1);
        }
    }

    private static int counter(P11KitFixture f) throws Exception {
        return GetCapability.property(f.ring.tpm(), GetCapability.PT_LOCKOUT_COUNTER);
    }
}
