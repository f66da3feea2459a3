package org.tpmssh.stack.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/** Our encoder and parser against ssh-keygen, the reference for what OpenSSH accepts. */
class SshPublicKeysTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"ecdsa, 256, ecdsa-sha2-nistp256", "ecdsa, 384, ecdsa-sha2-nistp384",
            "ecdsa, 521, ecdsa-sha2-nistp521", "rsa, 2048, ssh-rsa"})
    void sshKeygenPublicKeyParsesAndReencodesToTheSameLine(String type, int bits, String keyType) throws Exception {
        Path key = dir.resolve("key");
        sshKeygen("-q", "-t", type, "-b", Integer.toString(bits), "-N", "", "-C", "made-by-ssh-keygen",
                "-f", key.toString());
        String line = Files.readString(dir.resolve("key.pub")).trim();

        byte[] blob = SshPublicKeys.blobFromLine(line);
        PublicKey parsed = SshPublicKeys.parse(blob);

        assertThat(SshPublicKeys.keyType(blob)).isEqualTo(keyType);
        assertThat(SshPublicKeys.encode(parsed)).isEqualTo(blob);
        assertThat(SshPublicKeys.authorizedKeysLine(blob, "made-by-ssh-keygen")).isEqualTo(line);
    }

    @ParameterizedTest
    @ValueSource(strings = {"secp256r1", "secp384r1", "secp521r1", "rsa2048"})
    void jcaKeyEncodedByUsIsTheKeySshKeygenSees(String algorithm) throws Exception {
        PublicKey key = generate(algorithm);
        byte[] blob = SshPublicKeys.encode(key);
        Path pub = dir.resolve("jca.pub");
        Files.writeString(pub, SshPublicKeys.authorizedKeysLine(blob, "jca-key") + "\n");

        CommandResult fingerprint = sshKeygen("-l", "-E", "sha256", "-f", pub.toString());
        assertThat(fingerprint.stdout()).contains(sha256Fingerprint(blob)).contains("jca-key");

        // ssh-keygen's own conversion to X.509 SubjectPublicKeyInfo must give JCA's encoding back,
        // which checks every coordinate, the exponent and the modulus byte for byte.
        CommandResult pkcs8 = sshKeygen("-e", "-m", "PKCS8", "-f", pub.toString());
        String base64 = pkcs8.stdout().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        assertThat(Base64.getDecoder().decode(base64)).isEqualTo(key.getEncoded());
    }

    @Test
    void pointOffTheCurveIsRejected() throws Exception {
        byte[] blob = SshPublicKeys.encode(generate("secp256r1"));
        blob[blob.length - 1] ^= 1;
        assertThatThrownBy(() -> SshPublicKeys.parse(blob))
                .isInstanceOf(SshWireFormatException.class).hasMessageContaining("not on nistp256");
    }

    @Test
    void truncatedBlobIsRejected() throws Exception {
        byte[] blob = SshPublicKeys.encode(generate("secp384r1"));
        byte[] truncated = java.util.Arrays.copyOf(blob, blob.length - 1);
        assertThatThrownBy(() -> SshPublicKeys.parse(truncated)).isInstanceOf(SshWireFormatException.class);
    }

    @Test
    void curveThatContradictsTheKeyTypeIsRejected() {
        byte[] blob = new SshWireWriter().writeString("ecdsa-sha2-nistp256").writeString("nistp384")
                .writeString(new byte[65]).toByteArray();
        assertThatThrownBy(() -> SshPublicKeys.parse(blob))
                .isInstanceOf(SshWireFormatException.class).hasMessageContaining("carries curve 'nistp384'");
    }

    @Test
    void unsupportedKeyTypeIsNamed() {
        byte[] blob = new SshWireWriter().writeString("ssh-ed25519").writeString(new byte[32]).toByteArray();
        assertThatThrownBy(() -> SshPublicKeys.parse(blob))
                .isInstanceOf(UnsupportedKeyTypeException.class).hasMessageContaining("'ssh-ed25519'");
    }

    @Test
    void lineWhoseTypeContradictsItsBlobIsRejected() throws Exception {
        byte[] blob = SshPublicKeys.encode(generate("secp256r1"));
        String forged = "ssh-rsa " + Base64.getEncoder().encodeToString(blob);
        assertThatThrownBy(() -> SshPublicKeys.blobFromLine(forged))
                .isInstanceOf(SshWireFormatException.class).hasMessageContaining("holds ecdsa-sha2-nistp256");
    }

    static PublicKey generate(String algorithm) throws Exception {
        if (algorithm.startsWith("rsa")) {
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(Integer.parseInt(algorithm.substring(3)));
            return rsa.generateKeyPair().getPublic();
        }
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec(algorithm));
        return ec.generateKeyPair().getPublic();
    }

    private static String sha256Fingerprint(byte[] blob) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    }

    private static CommandResult sshKeygen(String... arguments) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("ssh-keygen"));
        command.addAll(List.of(arguments));
        CommandResult result = CommandRunner.run(command, Map.of(), Duration.ofSeconds(60));
        assertThat(result.exitCode()).as(result.describe()).isZero();
        return result;
    }
}
