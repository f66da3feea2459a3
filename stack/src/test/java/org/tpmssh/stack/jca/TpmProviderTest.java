package org.tpmssh.stack.jca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Collections;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.PinAuth;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The TPMSSH provider on a real swtpm. Every signature it makes is verified by the JDK's own
 * providers (SunEC, SunRsaSign) against the TPM public key, never by our code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TpmProviderTest {
    private static final byte[] MESSAGE = "a message the TPM signs".getBytes(StandardCharsets.UTF_8);

    Swtpm swtpm;
    KeyRing ring;
    byte[] auth;
    final TpmProvider provider = new TpmProvider();
    final Map<String, TpmPrivateKey> keys = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        swtpm = Swtpm.start();
        Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open());
        DictionaryAttack.relaxForOwnSimulator(tpm);
        ring = KeyRing.open(tpm);
        auth = PinAuth.authValue("2468-jca".toCharArray());
        for (String type : List.of("ecc-p256", "ecc-p384", "ecc-p521", "rsa-2048")) {
            keys.put(type, JcaTestKeys.create(ring, type, auth));
        }
    }

    @AfterAll
    void stop() {
        keys.values().forEach(TpmPrivateKey::destroy);
        if (ring != null) {
            ring.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    private byte[] sign(String algorithm, TpmPrivateKey key, byte[] message) throws Exception {
        Signature s = Signature.getInstance(algorithm, provider);
        s.initSign(key);
        s.update(message);
        return s.sign();
    }

    private static boolean jdkVerifies(String algorithm, String jdkProvider, PublicKey pub, byte[] message,
            byte[] sig) throws Exception {
        Signature v = Signature.getInstance(algorithm, jdkProvider);
        v.initVerify(pub);
        v.update(message);
        return v.verify(sig);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @CsvSource({
        "SHA256withECDSA, ecc-p256, SunEC", "SHA384withECDSA, ecc-p384, SunEC", "SHA512withECDSA, ecc-p521, SunEC",
        "SHA512withECDSA, ecc-p256, SunEC", "SHA256withECDSA, ecc-p384, SunEC",
        "SHA256withRSA, rsa-2048, SunRsaSign", "SHA384withRSA, rsa-2048, SunRsaSign",
        "SHA512withRSA, rsa-2048, SunRsaSign"})
    void signatureVerifiesWithTheJdkAndFailsForAnotherKeyOrMessage(String algorithm, String type, String jdk)
            throws Exception {
        TpmPrivateKey key = keys.get(type);
        byte[] sig = sign(algorithm, key, MESSAGE);

        assertThat(jdkVerifies(algorithm, jdk, key.publicKey(), MESSAGE, sig)).isTrue();
        byte[] other = "another message".getBytes(StandardCharsets.UTF_8);
        assertThat(jdkVerifies(algorithm, jdk, key.publicKey(), other, sig)).isFalse();
        String otherType = type.startsWith("ecc") ? (type.equals("ecc-p256") ? "ecc-p384" : "ecc-p256") : null;
        if (otherType != null) {
            assertThat(jdkVerifies(algorithm, jdk, keys.get(otherType).publicKey(), MESSAGE, sig)).isFalse();
        } else {
            PublicKey stranger = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair().getPublic();
            assertThat(jdkVerifies(algorithm, jdk, stranger, MESSAGE, sig)).isFalse();
        }
    }

    @ParameterizedTest(name = "RSASSA-PSS {0}")
    @CsvSource({"SHA-256, 32", "SHA-512, 64"})
    void pssWithTheTpmsParametersVerifiesWithSunRsaSign(String hash, int saltLength) throws Exception {
        PSSParameterSpec spec = new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), saltLength, 1);
        TpmPrivateKey key = keys.get("rsa-2048");
        Signature s = Signature.getInstance("RSASSA-PSS", provider);
        s.setParameter(spec);
        s.initSign(key);
        s.update(MESSAGE);
        byte[] sig = s.sign();

        Signature v = Signature.getInstance("RSASSA-PSS", "SunRsaSign");
        v.setParameter(spec);
        v.initVerify(key.publicKey());
        v.update(MESSAGE);
        assertThat(v.verify(sig)).isTrue();
        assertThat(s.getParameters().getParameterSpec(PSSParameterSpec.class).getSaltLength()).isEqualTo(saltLength);

        // A verifier expecting another salt length must not accept it: the salt really is hash-sized.
        Signature wrongSalt = Signature.getInstance("RSASSA-PSS", "SunRsaSign");
        wrongSalt.setParameter(new PSSParameterSpec(hash, "MGF1", new MGF1ParameterSpec(hash), saltLength + 1, 1));
        wrongSalt.initVerify(key.publicKey());
        wrongSalt.update(MESSAGE);
        assertThat(wrongSalt.verify(sig)).isFalse();
    }

    @Test
    void pssParametersTheTpmCannotHonourAreRejectedClearly() throws Exception {
        Signature s = Signature.getInstance("RSASSA-PSS", provider);
        assertThatThrownBy(() -> s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                20, 1))).isInstanceOf(InvalidAlgorithmParameterException.class).hasMessageContaining("salt");
        assertThatThrownBy(() -> s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA512,
                32, 1))).isInstanceOf(InvalidAlgorithmParameterException.class).hasMessageContaining("MGF1");
        assertThatThrownBy(() -> s.setParameter(new PSSParameterSpec("SHA-1", "MGF1", MGF1ParameterSpec.SHA1,
                20, 1))).isInstanceOf(InvalidAlgorithmParameterException.class).hasMessageContaining("SHA-1");
        s.initSign(keys.get("rsa-2048"));
        assertThatThrownBy(() -> s.update(MESSAGE)).isInstanceOf(SignatureException.class)
                .hasMessageContaining("setParameter");
    }

    @Test
    void wrongKeyTypesAndVerificationAreRefused() throws Exception {
        Signature ecdsa = Signature.getInstance("SHA256withECDSA", provider);
        assertThatThrownBy(() -> ecdsa.initSign(keys.get("rsa-2048"))).isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("EC");
        var software = java.security.KeyPairGenerator.getInstance("EC").generateKeyPair();
        assertThatThrownBy(() -> ecdsa.initSign(software.getPrivate())).isInstanceOf(InvalidKeyException.class);
        assertThatThrownBy(() -> ecdsa.initVerify(software.getPublic())).isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("only signs");
    }

    @Test
    void keysAreNotExtractable() {
        TpmPrivateKey key = keys.get("ecc-p256");
        assertThat(key.getEncoded()).isNull();
        assertThat(key.getFormat()).isNull();
        assertThat(key.getAlgorithm()).isEqualTo("EC");
        assertThat(keys.get("rsa-2048").getAlgorithm()).isEqualTo("RSA");
        assertThat(key).isNotInstanceOf(java.security.interfaces.ECPrivateKey.class);
        assertThat(key.toString()).doesNotContain(HexFormat.of().formatHex(auth));
    }

    @Test
    void delayedProviderSelectionRoutesTpmKeysToUsAndSoftwareKeysToTheJdk() throws Exception {
        TpmProvider installed = TpmProvider.install();
        assertThat(TpmProvider.install()).isSameAs(installed);
        try {
            Signature forTpm = Signature.getInstance("SHA256withECDSA");
            forTpm.initSign(keys.get("ecc-p256"));
            assertThat(forTpm.getProvider().getName()).isEqualTo(TpmProvider.NAME);
            forTpm.update(MESSAGE);
            byte[] sig = forTpm.sign();

            Signature forSoftware = Signature.getInstance("SHA256withECDSA");
            forSoftware.initSign(java.security.KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate());
            assertThat(forSoftware.getProvider().getName()).isNotEqualTo(TpmProvider.NAME);

            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(keys.get("ecc-p256").publicKey());
            assertThat(verifier.getProvider().getName()).isNotEqualTo(TpmProvider.NAME);
            verifier.update(MESSAGE);
            assertThat(verifier.verify(sig)).isTrue();
        } finally {
            Security.removeProvider(TpmProvider.NAME);
        }
    }

    @Test
    void aWrongAuthValueIsReportedAsAPinProblemWithoutTheSecret() throws Exception {
        byte[] wrong = PinAuth.authValue("not-the-pin".toCharArray());
        TpmPrivateKey key = keys.get("ecc-p256");
        TpmPrivateKey wrongKey = TpmPrivateKey.of(ring, key.object(), wrong, "ecc-p256 with a wrong PIN");
        try {
            Signature s = Signature.getInstance("SHA256withECDSA", provider);
            s.initSign(wrongKey);
            s.update(MESSAGE);
            assertThatThrownBy(s::sign).isInstanceOf(SignatureException.class).hasMessageContaining("PIN")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(HexFormat.of().formatHex(wrong)));
        } finally {
            wrongKey.destroy();
        }
        assertThat(wrongKey.isDestroyed()).isTrue();
        Signature after = Signature.getInstance("SHA256withECDSA", provider);
        assertThatThrownBy(() -> after.initSign(wrongKey)).isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("destroyed");
    }

    @Test
    void keyStoreListsTheSourcesKeysWithCertificatesTheJdkVerifies() throws Exception {
        KeyStore ks = KeyStore.getInstance(TpmProvider.KEYSTORE_TYPE, provider);
        ks.load(new TpmKeyStoreParameter(() -> List.of(TpmKeyEntry.of("ssh-ecdsa", keys.get("ecc-p384")),
                TpmKeyEntry.of("ssh-rsa", keys.get("rsa-2048")))));

        assertThat(Collections.list(ks.aliases())).containsExactly("ssh-ecdsa", "ssh-rsa");
        assertThat(ks.size()).isEqualTo(2);
        assertThat(ks.isKeyEntry("ssh-rsa")).isTrue();
        assertThat(ks.getKey("ssh-ecdsa", null)).isSameAs(keys.get("ecc-p384"));
        for (String alias : List.of("ssh-ecdsa", "ssh-rsa")) {
            TpmPrivateKey key = (TpmPrivateKey) ks.getKey(alias, null);
            Certificate[] chain = ks.getCertificateChain(alias);
            assertThat(chain).hasSize(1);
            X509Certificate cert = (X509Certificate) chain[0];
            assertThat(cert.getPublicKey()).isEqualTo(key.publicKey());
            assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=" + alias);
            // Signed by the TPM key, checked by the JDK's providers.
            cert.verify(key.publicKey(), key instanceof TpmEcPrivateKey ? "SunEC" : "SunRsaSign");
            cert.checkValidity();
            assertThat(ks.getCertificateAlias(cert)).isEqualTo(alias);
        }
        assertThatThrownBy(() -> ks.deleteEntry("ssh-rsa")).isInstanceOf(KeyStoreException.class)
                .hasMessageContaining("read-only");
        assertThat(ks.getKey("missing", null)).isNull();
    }

    @Test
    void keyStoreKeepsAGivenCertificateAndRefusesOneForAnotherKey() throws Exception {
        X509Certificate p256Cert = TpmCertificates.selfSigned(keys.get("ecc-p256"), "given", provider);
        KeyStore ks = KeyStore.getInstance(TpmProvider.KEYSTORE_TYPE, provider);
        ks.load(new TpmKeyStoreParameter(() -> List.of(new TpmKeyEntry("a", keys.get("ecc-p256"),
                List.of(p256Cert)))));
        assertThat(ks.getCertificate("a")).isEqualTo(p256Cert);

        KeyStore mismatched = KeyStore.getInstance(TpmProvider.KEYSTORE_TYPE, provider);
        assertThatThrownBy(() -> mismatched.load(new TpmKeyStoreParameter(() -> List.of(
                new TpmKeyEntry("b", keys.get("ecc-p521"), List.of(p256Cert))))))
                .hasMessageContaining("not for its TPM key");
    }
}
