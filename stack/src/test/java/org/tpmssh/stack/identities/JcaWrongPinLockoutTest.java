package org.tpmssh.stack.identities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.SignatureException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.jca.TpmKeyStoreParameter;
import org.tpmssh.stack.jca.TpmPrivateKey;
import org.tpmssh.stack.jca.TpmProvider;
import org.tpmssh.stack.keys.PinAuth;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.store.StrictDaToken;

/**
 * Issue 10 item 2 for Java callers, on a real swtpm with strict DA (10 tries, never relaxed): logging in to a token
 * for the KeyStore, or signing through JCA with a key whose PIN is wrong, spends one dictionary-attack try per
 * distinct wrong PIN, counted by the TPM itself.
 */
class JcaWrongPinLockoutTest {
    private static final byte[] DATA = "signed through JCA".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void aKeyStoreLoginWithTheSameWrongPinIsCountedOnce() throws Exception {
        try (StrictDaToken tpm = StrictDaToken.start(dir, 10)) {
            tpm.createPinKey("jca");
            for (int i = 0; i < 15; i++) {
                assertThatThrownBy(() -> TokenKeySource.login(tpm.tokens, StrictDaToken.TOKEN, "0000".toCharArray()))
                        .isInstanceOf(PinIncorrectException.class).hasMessageNotContaining("0000");
            }
            assertThat(tpm.lockoutCounter()).as("15 KeyStore logins with one wrong PIN").isEqualTo(1);

            TokenKeySource source = TokenKeySource.login(tpm.tokens, StrictDaToken.TOKEN,
                    StrictDaToken.PIN.toCharArray());
            KeyStore ks = KeyStore.getInstance(TpmProvider.KEYSTORE_TYPE, TpmProvider.install());
            ks.load(new TpmKeyStoreParameter(source));
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign((PrivateKey) ks.getKey("jca", null));
            s.update(DATA);
            byte[] der = s.sign();
            Signature v = Signature.getInstance("SHA256withECDSA", "SunEC");
            v.initVerify(ks.getCertificate("jca").getPublicKey());
            v.update(DATA);
            assertThat(v.verify(der)).isTrue();
            source.wipe();
            assertThat(tpm.lockoutCounter()).isEqualTo(1);
        }
    }

    @Test
    void aJcaKeyWithAWrongPinIsCountedOnceHoweverOftenItSigns() throws Exception {
        try (StrictDaToken tpm = StrictDaToken.start(dir, 10);
                TpmSshKey made = TpmSshKeys.create(tpm.ring, KeyType.ECC_P256, "right-1234".toCharArray(), "k")) {
            byte[] wrongAuth = PinAuth.authValue("wrong-9999".toCharArray());
            TpmPrivateKey wrong = TpmPrivateKey.of(tpm.ring, made.object(), wrongAuth, "k");
            for (int i = 0; i < 15; i++) {
                Signature s = Signature.getInstance("SHA256withECDSA");
                s.initSign(wrong);
                s.update(DATA);
                assertThatThrownBy(s::sign).isInstanceOf(SignatureException.class).hasMessageContaining("incorrect");
            }
            assertThat(tpm.lockoutCounter()).as("15 signatures with one wrong PIN").isEqualTo(1);

            TpmPrivateKey right = TpmPrivateKey.of(tpm.ring, made.object(),
                    PinAuth.authValue("right-1234".toCharArray()), "k");
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(right);
            s.update(DATA);
            byte[] der = s.sign();
            Signature v = Signature.getInstance("SHA256withECDSA", "SunEC");
            v.initVerify(right.publicKey());
            v.update(DATA);
            assertThat(v.verify(der)).isTrue();
            assertThat(tpm.lockoutCounter()).isEqualTo(1);
        }
    }
}
