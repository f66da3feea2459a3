package org.tpmssh.stack.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;

/** The one rule from a key type and a sign request's flags to an SSH algorithm, and blobs the JDK made. */
class SshSignatureAlgorithmTest {

    private static final int SHA2_256 = AgentKey.SSH_AGENT_RSA_SHA2_256;
    private static final int SHA2_512 = AgentKey.SSH_AGENT_RSA_SHA2_512;

    @Test
    void rsaFollowsTheFlagsWithSha512FirstAndSha1OnlyWithoutAny() throws Exception {
        assertThat(SshSignatureAlgorithm.forRequest("ssh-rsa", SHA2_256 | SHA2_512))
                .isEqualTo(SshSignatureAlgorithm.RSA_SHA2_512);
        assertThat(SshSignatureAlgorithm.forRequest("ssh-rsa", SHA2_256)).isEqualTo(SshSignatureAlgorithm.RSA_SHA2_256);
        SshSignatureAlgorithm sha1 = SshSignatureAlgorithm.forRequest("ssh-rsa", 0);
        assertThat(sha1).isEqualTo(SshSignatureAlgorithm.SSH_RSA);
        assertThat(sha1.isSha1()).isTrue();
        assertThat(sha1.jcaSignatureAlgorithm()).isEqualTo("SHA1withRSA");
    }

    @Test
    void ecdsaHashesAsItsCurveSaysWhateverTheFlags() throws Exception {
        for (SshCurve curve : SshCurve.values()) {
            SshSignatureAlgorithm algorithm = SshSignatureAlgorithm.forRequest(curve.keyType(), SHA2_512);
            assertThat(algorithm.sshName()).isEqualTo(curve.keyType());
            assertThat(algorithm.curve()).contains(curve);
            assertThat(algorithm.isSha1()).isFalse();
        }
        assertThat(SshSignatureAlgorithm.forRequest("ecdsa-sha2-nistp384", 0).jcaSignatureAlgorithm())
                .isEqualTo("SHA384withECDSA");
        assertThatThrownBy(() -> SshSignatureAlgorithm.forRequest("ssh-ed25519", 0))
                .isInstanceOf(UnsupportedKeyTypeException.class).hasMessageContaining("ssh-ed25519");
    }

    @Test
    void aJcaSignatureBecomesABlobThatVerifiesOnlyForItsOwnKeyAndAlgorithm() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair p384 = ec.generateKeyPair();
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair p256 = ec.generateKeyPair();
        byte[] data = "session id".getBytes(StandardCharsets.UTF_8);
        SshSignatureAlgorithm algorithm = SshSignatureAlgorithm.forRequest(SshPublicKeys.encode(p384.getPublic()), 0);
        Signature signer = Signature.getInstance(algorithm.jcaSignatureAlgorithm());
        signer.initSign(p384.getPrivate());
        signer.update(data);
        byte[] blob = algorithm.blobFromJca(signer.sign());

        assertThat(SshSignatures.parse(blob).algorithm()).isEqualTo("ecdsa-sha2-nistp384");
        assertThat(algorithm.verify(p384.getPublic(), data, blob)).isTrue();
        assertThat(algorithm.verify(p384.getPublic(), "other".getBytes(StandardCharsets.UTF_8), blob)).isFalse();
        assertThat(algorithm.verify(p256.getPublic(), data, blob)).as("a key of another curve").isFalse();
        assertThat(SshSignatureAlgorithm.ECDSA_SHA2_NISTP256.verify(p384.getPublic(), data, blob))
                .as("a blob naming another algorithm").isFalse();
    }
}
