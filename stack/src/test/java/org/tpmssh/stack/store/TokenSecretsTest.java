package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * What a token's seals protect, on a real swtpm: a fresh random salt and secret per token, key authValues that are
 * exactly the documented HMAC (checked with Bouncy Castle), and a store opened under another storage key or on
 * another TPM refused before anything is loaded or made.
 */
class TokenSecretsTest {
    private static final char[] USER = "2468".toCharArray();
    private static final char[] SO = "so-1357".toCharArray();

    @TempDir
    Path dir;

    @Test
    void eachTokenGetsItsOwnRandomSaltAndSecret() throws Exception {
        try (TokenPinTest.Fixture fx = new TokenPinTest.Fixture(dir.resolve("store"))) {
            TokenRecord a = fx.tokens.init("a", USER, SO);
            TokenRecord b = fx.tokens.init("b", USER, SO);
            assertThat(a).as("init returns the token it stored").usingRecursiveComparison()
                    .isEqualTo(fx.tokens.store().token("a").orElseThrow());
            assertThat(a.salt()).hasSize(16).isNotEqualTo(new byte[16]).isNotEqualTo(b.salt());
            byte[] secretA = fx.tokens.loginUser("a", USER);
            byte[] secretB = fx.tokens.loginUser("b", USER);
            assertThat(secretA).isNotEqualTo(new byte[secretA.length]).isNotEqualTo(secretB);
            assertThat(fx.tokens.loginSo("a", SO)).as("both seals hold the same secret").isEqualTo(secretA);
        }
    }

    @Test
    void aKeysAuthValueIsHmacOfTheTokenSecretOverTheDomainAndItsId() throws Exception {
        byte[] secret = "thirty-two bytes of token secret".getBytes(StandardCharsets.US_ASCII);
        HMac hmac = new HMac(new SHA256Digest());
        hmac.init(new KeyParameter(secret));
        byte[] message = "tpmssh key auth v1k-0001".getBytes(StandardCharsets.US_ASCII);
        hmac.update(message, 0, message.length);
        byte[] expected = new byte[32];
        hmac.doFinal(expected, 0);
        assertThat(Tokens.keyAuth(secret, "k-0001")).isEqualTo(expected);
        assertThat(Tokens.keyAuth(secret, "k-0002")).as("another key of the same token").isNotEqualTo(expected);

        try (TokenPinTest.Fixture fx = new TokenPinTest.Fixture(dir.resolve("store"))) {
            fx.tokens.init("t", USER, SO);
            byte[] tokenSecret = fx.tokens.loginUser("t", USER);
            KeyRecord pin = fx.tokens.createKey("t", KeyType.ECC_P256, "pin", false, "", tokenSecret);
            KeyRecord pinless = fx.tokens.createKey("t", KeyType.ECC_P256, "robot", true, "", tokenSecret);
            assertThat(Tokens.authValueFor(pin, tokenSecret)).isEqualTo(Tokens.keyAuth(tokenSecret, pin.id()));
            assertThat(Tokens.authValueFor(pinless, tokenSecret)).isEmpty();
            assertThat(Tokens.authValueFor(pinless, null)).isEmpty();
            assertThatThrownBy(() -> Tokens.authValueFor(pin, null)).isInstanceOf(PinException.class)
                    .hasMessage("key 'pin' needs the token's user PIN; log in first");
            assertThatThrownBy(() -> Tokens.authValueFor(pin, new byte[0])).isInstanceOf(PinException.class);
            assertThat(TokenPinTest.verifies(fx.tokens, "t", pin, tokenSecret)).as("the key signs with that auth")
                    .isTrue();
        }
    }

    @Test
    void aStoreUnderAnotherStorageKeyOrOnAnotherTpmIsRefused() throws Exception {
        Path store = dir.resolve("store");
        KeyRecord key;
        try (TokenPinTest.Fixture fx = new TokenPinTest.Fixture(store)) {
            fx.tokens.init("t", null, null);
            key = fx.tokens.createKey("t", KeyType.ECC_P256, "k", true, "", null);
        }
        // The same store under the RSA storage key of another swtpm, then under the ECC one of a third.
        try (Swtpm swtpm = Swtpm.start(); KeyRing rsaRing = KeyRing.open(new Tpm(Tcti.parse(swtpm.tcti()).open()),
                ParentKind.RSA.template())) {
            Tokens rsa = new Tokens(TokenStore.open(store), rsaRing, ParentKind.RSA);
            String underRsa = "token 't' lives under the ecc storage key but this session opened the rsa one";
            assertThatThrownBy(() -> rsa.load("t", key)).isInstanceOf(StoreException.class).hasMessage(underRsa);
            assertThatThrownBy(() -> rsa.createKey("t", KeyType.ECC_P256, "k2", true, "", null))
                    .isInstanceOf(StoreException.class).hasMessage(underRsa);
            assertThatThrownBy(() -> rsa.newKeyAuth("t", true, null)).isInstanceOf(StoreException.class)
                    .hasMessage(underRsa);
        }
        try (TokenPinTest.Fixture other = new TokenPinTest.Fixture(dir.resolve("other"))) {
            Tokens elsewhere = new Tokens(TokenStore.open(store), other.ring, ParentKind.ECC);
            assertThatThrownBy(() -> elsewhere.load("t", key)).isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("token 't' belongs to another TPM (or this TPM was cleared)");
            assertThatThrownBy(() -> elsewhere.newKeyAuth("t", true, null)).isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("token 't' belongs to another TPM");
            other.tokens.init("here", null, null);
            Tokens.NewKeyAuth auth = other.tokens.newKeyAuth("here", true, null);
            assertThatThrownBy(() -> elsewhere.addImportedKey("t", auth, "imported", "ecc-p256", key.tpmPublic(),
                    key.privateBlob(), "")).isInstanceOf(StoreException.class)
                    .hasMessageStartingWith("token 't' belongs to another TPM");
        }
    }
}
