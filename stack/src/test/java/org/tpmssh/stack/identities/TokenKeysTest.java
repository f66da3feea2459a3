package org.tpmssh.stack.identities;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.jca.TpmKeyStoreParameter;
import org.tpmssh.stack.jca.TpmProvider;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.PinProtectedKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * A token's stored keys as the agent and the KeyStore see them, on a real swtpm: an imported key
 * joins a PIN token, signs only with the right PIN, and each signature is checked by the JDK
 * against the public key of the original key pair, not against anything the TPM reported.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenKeysTest {
    private static final char[] USER_PIN = "4711-user".toCharArray();
    private static final char[] SO_PIN = "so-0815-pin".toCharArray();

    @TempDir
    static Path dir;
    Swtpm swtpm;
    KeyRing ring;
    Tokens tokens;

    @BeforeAll
    void start() throws Exception {
        swtpm = Swtpm.start();
        Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open());
        DictionaryAttack.relaxForOwnSimulator(tpm);
        ring = KeyRing.open(tpm, ParentKind.ECC.template());
        tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
        tokens.init("work", USER_PIN, SO_PIN);
        tokens.init("robot", null, null);
    }

    @AfterAll
    void stop() {
        if (ring != null) {
            ring.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static void assertVerifies(PublicKey expected, byte[] data, byte[] sshSignature) throws Exception {
        SshSignatures.Parsed parsed = SshSignatures.parse(sshSignature);
        SshCurve curve = SshCurve.ofKeyType(parsed.algorithm()).orElseThrow();
        java.security.Signature v = java.security.Signature.getInstance(curve.jcaSignatureAlgorithm(), "SunEC");
        v.initVerify(expected);
        v.update(data);
        assertThat(v.verify(SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(curve, sshSignature))))
                .as("the JDK accepts the TPM's signature under the original key").isTrue();
    }

    /** The one identity that advertises {@code expected}; fails if there is none. */
    static AgentKey withPublicKey(List<AgentKey> keys, PublicKey expected) throws Exception {
        for (AgentKey k : keys) {
            if (SshPublicKeys.parse(k.publicKeyBlob()).equals(expected)) {
                return k;
            }
        }
        throw new AssertionError("no identity advertises the imported public key");
    }

    @Test
    void anImportedPinKeySignsOnlyWithTheTokensPinAndWrongPinsAreCounted() throws Exception {
        KeyPair pair = p256();
        byte[] secret = tokens.loginUser("work", USER_PIN);
        KeyRecord record = TokenKeys.importKey(tokens, "work", "laptop", pair, false, "me@laptop", secret);
        assertThat(record.pinless()).isFalse();
        assertThat(record.origin()).isEqualTo(KeyRecord.IMPORTED);
        assertThat(record.algorithm()).isEqualTo("ecc-p256");

        AgentKey key = withPublicKey(TokenKeys.agentKeys(tokens, "work"), pair.getPublic());
        assertThat(key).isInstanceOf(PinProtectedKey.class);
        PinProtectedKey pinKey = (PinProtectedKey) key;
        assertThat(pinKey.pinScope()).isEqualTo("work");

        byte[] data = "session id and userauth request".getBytes(StandardCharsets.UTF_8);
        assertVerifies(pair.getPublic(), data, pinKey.sign(data, 0, USER_PIN.clone()));

        int before = GetCapability.property(ring.tpm(), GetCapability.PT_LOCKOUT_COUNTER);
        assertThatThrownBy(() -> pinKey.sign(data, 0, "wrong-pin".toCharArray()))
                .isInstanceOf(PinIncorrectException.class)
                .hasMessageNotContaining("wrong-pin");
        assertThat(GetCapability.property(ring.tpm(), GetCapability.PT_LOCKOUT_COUNTER))
                .as("the TPM counted the wrong PIN, though the right one had opened the token before")
                .isEqualTo(before + 1);
        // The right PIN works again (through the TPM once more) and then from memory.
        assertVerifies(pair.getPublic(), data, pinKey.sign(data, 0, USER_PIN.clone()));
        assertVerifies(pair.getPublic(), data, pinKey.sign(data, 0, USER_PIN.clone()));
        DictionaryAttack.relaxForOwnSimulator(ring.tpm());
    }

    @Test
    void aPinlessTokensKeysSignWithoutAnyPin() throws Exception {
        KeyPair pair = p256();
        TokenKeys.importKey(tokens, "robot", "ci", pair, false, "ci", null);
        tokens.createKey("robot", KeyType.ECC_P384, "made-here", false, "made here", null);
        List<AgentKey> keys = TokenKeys.agentKeys(tokens, "robot");
        assertThat(keys).hasSize(2).noneMatch(k -> k instanceof PinProtectedKey);
        AgentKey imported = withPublicKey(keys, pair.getPublic());
        byte[] data = "pinless".getBytes(StandardCharsets.UTF_8);
        assertVerifies(pair.getPublic(), data, imported.sign(data, 0));
    }

    @Test
    void theKeyStoreListsPinKeysOnlyAfterLogin() throws Exception {
        tokens.createKey("work", KeyType.ECC_P256, "jca", false, "jca", tokens.loginUser("work", USER_PIN));
        TpmProvider provider = TpmProvider.install();

        KeyStore anonymous = KeyStore.getInstance(TpmProvider.KEYSTORE_TYPE, provider);
        anonymous.load(new TpmKeyStoreParameter(new TokenKeySource(tokens, "work", null)));
        assertThat(java.util.Collections.list(anonymous.aliases())).doesNotContain("jca");

        byte[] secret = tokens.loginUser("work", USER_PIN);
        TokenKeySource source = new TokenKeySource(tokens, "work", secret);
        KeyStore ks = KeyStore.getInstance(TpmProvider.KEYSTORE_TYPE, provider);
        ks.load(new TpmKeyStoreParameter(source));
        assertThat(java.util.Collections.list(ks.aliases())).contains("jca");
        var privateKey = (java.security.PrivateKey) ks.getKey("jca", null);
        PublicKey publicKey = ks.getCertificate("jca").getPublicKey();
        java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
        s.initSign(privateKey);
        s.update("through JCA".getBytes(StandardCharsets.UTF_8));
        byte[] der = s.sign();
        java.security.Signature v = java.security.Signature.getInstance("SHA256withECDSA", "SunEC");
        v.initVerify(publicKey);
        v.update("through JCA".getBytes(StandardCharsets.UTF_8));
        assertThat(v.verify(der)).isTrue();
        source.wipe();
    }
}
