package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.Tss2KeyFile;
import org.tpmssh.stack.keys.Tss2Keys;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.transport.Tcti;

/**
 * {@code tpmssh key export} read by Debian 12's tpm2-openssl as a user would, each signature checked
 * by openssl and the JDK (docs/cli.md). A fresh swtpm per test: tpm2-openssl leaves sessions behind.
 */
class KeyExportTpm2OpensslTest {
    private static final Optional<Path> PROVIDER = LibraryPath.opensslProvider("tpm2.so");
    private static final String USER_PIN = "user-pin-2718";
    private static final String SO_PIN = "so-pin-3141";

    @TempDir
    Path dir;
    Swtpm swtpm;
    Cli cli;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(PROVIDER.isPresent(), "tpm2-openssl is not installed (apt-get install tpm2-openssl)");
        swtpm = Cli.relaxedSwtpm();
        cli = new Cli(swtpm, dir.resolve("store"));
    }

    @AfterEach
    void stop() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    void createdAndImportedKeysOfAnEccTss2TokenSignInTpm2Openssl() throws Exception {
        cli.run("token", "init", "--label", "deploy", "--no-user-pin", "--parent", "ecc-tss2").ok();
        assertThat(cli.run("token", "list").ok().out()).containsPattern("deploy\\s+pin-less\\s+ecc-tss2\\s+0 keys");
        cli.run("key", "create", "--token", "deploy", "--label", "p256", "--algorithm", "ecc-p256").ok();
        cli.run("key", "create", "--token", "deploy", "--label", "rsa", "--algorithm", "rsa-2048").ok();
        Path original = dir.resolve("id_ecdsa");
        Cli.tool("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", "original", "-f", original.toString());
        cli.run("key", "import", "--token", "deploy", "--label", "imported", "--file", original.toString()).ok();

        for (String label : List.of("p256", "rsa", "imported")) {
            Path file = dir.resolve(label + ".tss2");
            Cli.Run export = cli.run("key", "export", "--token", "deploy", "--label", label, "--out", file.toString())
                    .ok();
            assertThat(export.out()).contains("tpm2-openssl");
            assertThat(export.err()).as("no warning for a parent tpm2-openssl derives").isEmpty();
            signsInTpm2OpensslAndVerifies(file, cli.run("key", "pub", "--token", "deploy", "--label", label).ok()
                    .out(), label.startsWith("rsa"));
        }
        loadsAndSignsInTpmssh(dir.resolve("p256.tss2"), Templates.srkEccTss2Legacy());
        // The imported key is the original: its public key is the one ssh-keygen made.
        assertThat(cli.run("key", "pub", "--token", "deploy", "--label", "imported").ok().out().split(" ")[1])
                .isEqualTo(Files.readString(Path.of(original + ".pub")).split(" ")[1]);
    }

    @Test
    void aPinTokensPinlessKeyExportsAndSignsButItsPinKeyIsRefusedInOneLine() throws Exception {
        Path userPin = Cli.secretFile(dir, "user.pin", USER_PIN);
        Path soPin = Cli.secretFile(dir, "so.pin", SO_PIN);
        cli.run("token", "init", "--label", "work", "--parent", "ecc-tss2", "--user-pin-file", userPin.toString(),
                "--so-pin-file", soPin.toString()).ok();
        cli.run("key", "create", "--token", "work", "--label", "pin", "--algorithm", "ecc-p256", "--pin-file",
                userPin.toString()).ok();
        cli.run("key", "create", "--token", "work", "--label", "open", "--algorithm", "ecc-p256", "--no-pin").ok();

        Path refused = dir.resolve("pin.tss2");
        Cli.Run r = cli.run("key", "export", "--token", "work", "--label", "pin", "--out", refused.toString())
                .userError();
        assertThat(r.err()).contains("has a PIN").contains("--no-pin");
        assertThat(refused).doesNotExist();

        Path file = dir.resolve("open.tss2");
        cli.run("key", "export", "--token", "work", "--label", "open", "--out", file.toString()).ok();
        signsInTpm2OpensslAndVerifies(file, cli.run("key", "pub", "--token", "work", "--label", "open").ok().out(),
                false);
        assertThat(cli.everythingPrinted()).doesNotContain(USER_PIN).doesNotContain(SO_PIN);
    }

    @Test
    void anEccTokensExportWarnsAndTpm2OpensslIndeedCannotLoadIt() throws Exception {
        cli.run("token", "init", "--label", "old", "--no-user-pin").ok();
        cli.run("key", "create", "--token", "old", "--label", "k", "--algorithm", "ecc-p256").ok();
        Path file = dir.resolve("k.tss2");
        Cli.Run export = cli.run("key", "export", "--token", "old", "--label", "k", "--out", file.toString()).ok();
        assertThat(export.out()).contains("ssh-tpm-agent 0.4 and older").contains("not in tpm2-openssl");
        assertThat(export.err().lines().toList()).singleElement().asString().startsWith("warning: ")
                .contains("--parent ecc-tss2");
        // The warning is true: the provider derives another 0x40000001 parent, and the load fails.
        CommandResult sign = opensslSign(file, someDigest());
        assertThat(sign.exitCode()).as(sign.describe()).isNotZero();
        assertThat(sign.stderr()).contains("Error initializing context");
        loadsAndSignsInTpmssh(file, Templates.srkEccH2());
    }

    @Test
    void anRsaTokensExportWarnsAndTpm2OpensslIndeedCannotLoadIt() throws Exception {
        cli.run("token", "init", "--label", "rsa", "--no-user-pin", "--parent", "rsa").ok();
        cli.run("key", "create", "--token", "rsa", "--label", "k", "--algorithm", "ecc-p256").ok();
        Path file = dir.resolve("k.tss2");
        Cli.Run export = cli.run("key", "export", "--token", "rsa", "--label", "k", "--out", file.toString()).ok();
        assertThat(export.out()).contains("tpmssh only");
        assertThat(export.err()).startsWith("warning: ").contains("rsa storage key");
        CommandResult sign = opensslSign(file, someDigest());
        assertThat(sign.exitCode()).as(sign.describe()).isNotZero();
        assertThat(sign.stderr()).contains("Error initializing context");
        loadsAndSignsInTpmssh(file, Templates.srkRsaH1());
    }

    /** Our own loader takes every parent: the file loads under {@code srk} and its ECDSA signature verifies. */
    private void loadsAndSignsInTpmssh(Path keyFile, TpmtPublic srk) throws Exception {
        Tss2KeyFile file = Tss2KeyFile.read(keyFile);
        assertThat(file.emptyAuth()).isTrue();
        assertThat(file.rsaParent()).isEqualTo(!srk.isEcc());
        Tss2Keys.Loaded loaded = Tss2Keys.open(() -> new Tpm(Tcti.parse(swtpm.tcti()).open()), file, new byte[0],
                "exported");
        try (KeyRing ring = loaded.ring(); TpmSshKey key = loaded.key().key()) {
            assertThat(loaded.srkTemplate()).isEqualTo(srk);
            byte[] data = "signed by tpmssh's loader".getBytes(StandardCharsets.UTF_8);
            Signature v = Signature.getInstance(SshCurve.NISTP256.jcaSignatureAlgorithm());
            v.initVerify(file.pubkey().toPublicKey());
            v.update(data);
            assertThat(v.verify(SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(SshCurve.NISTP256,
                    key.sign(data, 0))))).isTrue();
        }
    }

    /**
     * Signs a fresh digest with tpm2-openssl and checks the signature twice, with keys that never went
     * through our code: {@code openssl pkeyutl -verify} and the JDK, both given the PKCS#8 public key
     * ssh-keygen derives from the authorized_keys line.
     */
    private void signsInTpm2OpensslAndVerifies(Path keyFile, String authorizedKeysLine, boolean rsa) throws Exception {
        byte[] data = ("signed through tpm2-openssl with " + keyFile.getFileName()).getBytes(StandardCharsets.UTF_8);
        Path digest = dir.resolve(keyFile.getFileName() + ".digest");
        Files.write(digest, MessageDigest.getInstance("SHA-256").digest(data));
        CommandResult sign = opensslSign(keyFile, digest);
        assertThat(sign.exitCode()).as(sign.describe()).isZero();
        Path sig = Path.of(digest + ".sig");
        assertThat(sig).isNotEmptyFile();

        Path pubLine = dir.resolve(keyFile.getFileName() + ".pub");
        Files.writeString(pubLine, authorizedKeysLine.strip() + "\n");
        String pem = Cli.tool("ssh-keygen", "-e", "-m", "PKCS8", "-f", pubLine.toString());
        Path pubPem = dir.resolve(keyFile.getFileName() + ".pem");
        Files.writeString(pubPem, pem);
        CommandResult verify = CommandRunner.run(withRsaDigest(List.of("openssl", "pkeyutl", "-verify", "-pubin",
                "-inkey", pubPem.toString(), "-in", digest.toString(), "-sigfile", sig.toString()), rsa), Map.of(),
                Duration.ofSeconds(30));
        assertThat(verify.stdout()).as(verify.describe()).contains("Signature Verified Successfully");

        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        PublicKey key = KeyFactory.getInstance(rsa ? "RSA" : "EC")
                .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        Signature jdk = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSA");
        jdk.initVerify(key);
        jdk.update(data);
        assertThat(jdk.verify(Files.readAllBytes(sig))).as("the JDK accepts tpm2-openssl's signature").isTrue();
        // Another digest must not verify: the check above could fail.
        jdk.initVerify(key);
        jdk.update("other data".getBytes(StandardCharsets.UTF_8));
        assertThat(jdk.verify(Files.readAllBytes(sig))).isFalse();
    }

    /**
     * {@code openssl pkeyutl -provider tpm2 -sign} on this test's swtpm, the signature to {@code digest.sig}.
     * The provider signs RSA keys with RSASSA and SHA-256 unless told otherwise.
     */
    private CommandResult opensslSign(Path keyFile, Path digest) throws Exception {
        return CommandRunner.run(List.of("openssl", "pkeyutl", "-provider", "tpm2", "-provider", "default", "-sign",
                "-inkey", keyFile.toString(), "-in", digest.toString(), "-out", digest + ".sig"),
                Map.of("TPM2OPENSSL_TCTI", swtpm.tcti()), Duration.ofSeconds(60));
    }

    private Path someDigest() throws Exception {
        Path digest = dir.resolve("digest");
        Files.write(digest, MessageDigest.getInstance("SHA-256").digest(new byte[] {1, 2, 3}));
        return digest;
    }

    /** RSA signs and verifies a digest as PKCS#1 v1.5 with SHA-256's DigestInfo only when told the hash. */
    private static List<String> withRsaDigest(List<String> command, boolean rsa) {
        if (!rsa) {
            return command;
        }
        List<String> all = new java.util.ArrayList<>(command);
        all.addAll(List.of("-pkeyopt", "digest:sha256"));
        return all;
    }
}
