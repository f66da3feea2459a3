package org.tpmssh.stack.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tpmssh.stack.pkcs11.Pkcs11SignTest.assertCkr;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StrictDaToken;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The TPM's dictionary-attack protection behind the PIN, with DA deliberately strict: on our own
 * swtpm we set maxTries 3 and a 600 s recovery time (never relaxed), then watch the TPM's own
 * lockout counter rise with each wrong PIN, the token flags follow it, and lockout refuse even
 * the right PIN. The lockout is cleared with the (empty) lockout authorisation of a simulator we
 * started, and the SO resets the user PIN.
 */
class LockoutTest {
    private static final int MAX_TRIES = 3;

    @TempDir
    Path dir;

    @Test
    void wrongPinsCountInTheTpmAndLockItOutUntilReset() throws Exception {
        try (Swtpm swtpm = Swtpm.start()) {
            Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open());
            DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, org.tpmssh.tpm.sessions.Session.password()), MAX_TRIES, 600, 1);
            try (KeyRing ring = KeyRing.open(tpm, ParentKind.ECC.template())) {
                Tokens tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
                tokens.init("tok", "2468".toCharArray(), "so-1357".toCharArray());
                Cryptoki module = new Cryptoki(tokens);
                long slot = module.slotOf("tok");
                Session s = module.openSession(slot);
                s.login(Ck.CKU_USER, "2468".toCharArray());
                KeyRecord k = s.createKey(KeyType.ECC_P256, "k", false, "");
                KeyRecord robot = s.createKey(KeyType.ECC_P256, "robot", true, "");
                s.logout();
                assertThat(counter(tpm)).isZero();
                assertThat(module.tokenInfo(slot).has(Ck.CKF_USER_PIN_COUNT_LOW)).isFalse();

                assertCkr(() -> s.login(Ck.CKU_USER, "0000".toCharArray()), Ckr.PIN_INCORRECT);
                assertThat(counter(tpm)).isEqualTo(1);
                assertThat(module.tokenInfo(slot).has(Ck.CKF_USER_PIN_COUNT_LOW)).isTrue();
                assertCkr(() -> s.login(Ck.CKU_USER, "1111".toCharArray()), Ckr.PIN_INCORRECT);
                assertThat(counter(tpm)).isEqualTo(2);
                assertThat(module.tokenInfo(slot).has(Ck.CKF_USER_PIN_FINAL_TRY)).isTrue();
                assertThat(module.tokenInfo(slot).has(Ck.CKF_USER_PIN_LOCKED)).isFalse();
                assertCkr(() -> s.login(Ck.CKU_USER, "2222".toCharArray()), Ckr.PIN_INCORRECT);

                // Now the TPM refuses even the right PIN, and the SO's.
                assertCkr(() -> s.login(Ck.CKU_USER, "2468".toCharArray()), Ckr.PIN_LOCKED);
                assertCkr(() -> s.login(Ck.CKU_SO, "so-1357".toCharArray()), Ckr.PIN_LOCKED);
                TokenInfo locked = module.tokenInfo(slot);
                assertThat(locked.inLockout()).isTrue();
                assertThat(locked.has(Ck.CKF_USER_PIN_LOCKED)).isTrue();
                assertThatThrownBy(() -> s.login(Ck.CKU_USER, "2468".toCharArray()))
                        .as("the right PIN during lockout").isInstanceOf(Pkcs11Exception.class)
                        .hasMessageContaining("lockout").hasMessageContaining("wait")
                        .message().doesNotContain("2468");

                // A PIN-less key still loads and signs in lockout: it and its H-2 parent are both noDA.
                byte[] robotMsg = "in lockout".getBytes(StandardCharsets.UTF_8);
                org.tpmssh.tpm.structures.Signature robotSig;
                byte[] robotDigest = java.security.MessageDigest.getInstance("SHA-256").digest(robotMsg);
                try (var signer = tokens.signer(tokens.load("tok", robot), robot, null)) {
                    robotSig = tokens.sign("tok", signer, robotDigest, org.tpmssh.tpm.structures.Alg.ECDSA,
                            org.tpmssh.tpm.structures.Alg.SHA256);
                }
                Signature robotCheck = Signature.getInstance("SHA256withECDSA", "SunEC");
                robotCheck.initVerify(robot.tpmPublic().toPublicKey());
                robotCheck.update(robotMsg);
                assertThat(robotCheck.verify(robotSig.toDer())).as("a PIN-less key signs in lockout").isTrue();

                DictionaryAttack.lockReset(tpm, AuthHandle.lockout(null, org.tpmssh.tpm.sessions.Session.password()));
                assertThat(module.tokenInfo(slot).has(Ck.CKF_USER_PIN_LOCKED)).isFalse();
                assertThat(counter(tpm)).isZero();

                s.login(Ck.CKU_SO, "so-1357".toCharArray());
                s.initPin("8642".toCharArray());
                s.logout();
                assertCkr(() -> s.login(Ck.CKU_USER, "2468".toCharArray()), Ckr.PIN_INCORRECT);
                s.login(Ck.CKU_USER, "8642".toCharArray());
                List<Long> h = s.findObjects(Map.of(Ck.CKA_CLASS, Ck.CKO_PRIVATE_KEY, Ck.CKA_ID,
                        HexFormat.of().parseHex(k.id())));
                byte[] msg = "after the reset".getBytes(StandardCharsets.UTF_8);
                s.signInit(Mechanism.of(Ck.CKM_ECDSA_SHA256), h.get(0));
                Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
                v.initVerify(k.tpmPublic().toPublicKey());
                v.update(msg);
                assertThat(v.verify(s.sign(msg))).as("the same key signs after the SO reset").isTrue();
                module.close();
            }
        }
    }

    /** Issue 10: C_Login with the same wrong PIN, again and again, spends one dictionary-attack try. */
    @Test
    void theSameWrongPinIsCountedOnceAndTheRightOneStillLogsIn() throws Exception {
        try (StrictDaToken tpm = StrictDaToken.start(dir, 10); Cryptoki module = new Cryptoki(tpm.tokens)) {
            Session s = module.openSession(module.slotOf(StrictDaToken.TOKEN));
            for (int i = 0; i < 15; i++) {
                assertCkr(() -> s.login(Ck.CKU_USER, "0000".toCharArray()), Ckr.PIN_INCORRECT);
            }
            assertThat(tpm.lockoutCounter()).as("15 logins with one wrong user PIN").isEqualTo(1);
            // The SO PIN opens another seal: the same wrong string is a new question there, asked once.
            for (int i = 0; i < 5; i++) {
                assertCkr(() -> s.login(Ck.CKU_SO, "0000".toCharArray()), Ckr.PIN_INCORRECT);
            }
            assertThat(tpm.lockoutCounter()).isEqualTo(2);
            // A second application (session) in this process meets the same memory.
            Session other = module.openSession(module.slotOf(StrictDaToken.TOKEN));
            assertCkr(() -> other.login(Ck.CKU_USER, "0000".toCharArray()), Ckr.PIN_INCORRECT);
            assertThat(tpm.lockoutCounter()).isEqualTo(2);
            s.login(Ck.CKU_USER, StrictDaToken.PIN.toCharArray());
            assertThat(tpm.lockoutCounter()).isEqualTo(2);
        }
    }

    static int counter(Tpm tpm) throws Exception {
        return GetCapability.property(tpm, GetCapability.PT_LOCKOUT_COUNTER);
    }
}
