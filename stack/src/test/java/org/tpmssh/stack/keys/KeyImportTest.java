package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.transport.Tcti;

/**
 * Keys made by ssh-keygen and openssl, in every file format we accept, imported with
 * TPM2_Import under an RSA and an ECC SRK on a real swtpm. ssh-keygen's fingerprint of the
 * original and the JDK's verification of a TPM signature are the oracles.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyImportTest {
    static final char[] PASSPHRASE = "correct horse 42".toCharArray();
    static final String PASS = new String(PASSPHRASE);

    @TempDir
    static Path dir;
    Swtpm swtpm;

    /** One generated key file: how it was made, whether it is encrypted, and its .pub from ssh-keygen. */
    record KeyFile(String name, Path file, Path pub, boolean encrypted) {
        @Override
        public String toString() {
            return name;
        }
    }

    final List<KeyFile> files = new ArrayList<>();

    @BeforeAll
    void generate() throws Exception {
        assumeTrue(Tools.onPath("ssh-keygen") && Tools.onPath("openssl"), "ssh-keygen and openssl are needed");
        sshKeygen("openssh-ecdsa-256", "ecdsa", "256", false, false);
        sshKeygen("openssh-ecdsa-384-passphrase", "ecdsa", "384", true, false);
        sshKeygen("openssh-ecdsa-521", "ecdsa", "521", false, false);
        sshKeygen("openssh-rsa-2048", "rsa", "2048", false, false);
        sshKeygen("openssh-rsa-3072-passphrase", "rsa", "3072", true, false);
        sshKeygen("pem-sec1-ecdsa-256", "ecdsa", "256", false, true);
        sshKeygen("pem-sec1-ecdsa-384-passphrase", "ecdsa", "384", true, true);
        sshKeygen("pem-pkcs1-rsa-2048", "rsa", "2048", false, true);
        sshKeygen("pem-pkcs1-rsa-2048-passphrase", "rsa", "2048", true, true);
        genpkey("pkcs8-ec-p256", List.of("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"), false);
        genpkey("pkcs8-ec-p521-aes256", List.of("-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"), true);
        genpkey("pkcs8-rsa-2048", List.of("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"), false);
        genpkey("pkcs8-rsa-3072-aes256", List.of("-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"), true);
        swtpm = Swtpm.start();
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            DictionaryAttack.relaxForOwnSimulator(tpm);
        }
    }

    private void sshKeygen(String name, String type, String bits, boolean passphrase, boolean pem) throws Exception {
        Path f = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-t", type, "-b", bits, "-C", name,
                "-N", passphrase ? PASS : "", "-f", f.toString()));
        if (pem) {
            cmd.addAll(List.of("-m", "PEM"));
        }
        Tools.ok(cmd.toArray(String[]::new));
        files.add(new KeyFile(name, f, Path.of(f + ".pub"), passphrase));
    }

    private void genpkey(String name, List<String> opts, boolean encrypted) throws Exception {
        Path f = dir.resolve(name + ".pem");
        List<String> cmd = new ArrayList<>(List.of("openssl", "genpkey"));
        cmd.addAll(opts);
        if (encrypted) {
            cmd.addAll(List.of("-aes256", "-pass", "pass:" + PASS));
        }
        cmd.addAll(List.of("-out", f.toString()));
        Tools.ok(cmd.toArray(String[]::new));
        assertThat(Files.readString(f)).contains(encrypted ? "BEGIN ENCRYPTED PRIVATE KEY" : "BEGIN PRIVATE KEY");
        // ssh-keygen reads PKCS#8 through libcrypto; its public key is our oracle.
        Path pub = dir.resolve(name + ".pub");
        Files.writeString(pub, Tools.ok("ssh-keygen", "-y", "-P", encrypted ? PASS : "", "-f", f.toString()));
        files.add(new KeyFile(name, f, pub, encrypted));
    }

    @AfterAll
    void stop() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String srk : List.of("ecc-srk", "rsa-srk")) {
            for (KeyFile f : files) {
                out.add(Arguments.of(srk, f));
            }
        }
        return out.stream();
    }

    static TpmtPublic srk(String name) {
        return "rsa-srk".equals(name) ? Templates.srkRsa() : Templates.srkEcc();
    }

    @ParameterizedTest(name = "[swtpm | {0} | {1}]")
    @MethodSource("cases")
    void importedKeyHasTheOriginalFingerprintAndSignsForItsPublicKey(String srk, KeyFile f) throws Exception {
        byte[] before = Files.readAllBytes(f.file());
        FileTime mtime = Files.getLastModifiedTime(f.file());
        KeyPair pair = PrivateKeyFiles.read(f.file(), f.encrypted() ? PassphraseSource.of(PASSPHRASE)
                : PassphraseSource.none());
        byte[] auth = PinAuth.authValue("2468".toCharArray());
        try (KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(swtpm.tcti()).open()), srk(srk))) {
            ImportedKey imported = KeyImport.importKey(ring, pair, auth, false, f.name());
            try (TpmSshKey key = imported.key()) {
                String fingerprint = "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(
                        MessageDigest.getInstance("SHA-256").digest(key.publicKeyBlob()));
                assertThat(fingerprint).isEqualTo(Tools.sshKeygenFingerprint(f.pub()));
                assertThat(imported.publicArea().attributes()).isEqualTo(KeyImport.IMPORTED_ATTRIBUTES);

                PublicKey original = SshPublicKeys.parse(SshPublicKeys.blobFromLine(Files.readString(f.pub())));
                byte[] data = ("login challenge for " + f.name()).getBytes(StandardCharsets.UTF_8);
                byte[] blob = key.sign(data, AgentKey.SSH_AGENT_RSA_SHA2_512);
                java.security.Signature v;
                byte[] sig;
                SshSignatures.Parsed parsed = SshSignatures.parse(blob);
                if (parsed.algorithm().startsWith("ecdsa")) {
                    SshCurve curve = SshCurve.ofKeyType(parsed.algorithm()).orElseThrow();
                    v = java.security.Signature.getInstance(curve.jcaSignatureAlgorithm());
                    sig = SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(curve, blob));
                } else {
                    assertThat(parsed.algorithm()).isEqualTo("rsa-sha2-512");
                    v = java.security.Signature.getInstance("SHA512withRSA");
                    sig = parsed.signature();
                }
                v.initVerify(original);
                v.update(data);
                assertThat(v.verify(sig)).as("JCA verifies the TPM signature against the file's key").isTrue();
            }
        }
        assertThat(Files.readAllBytes(f.file())).as("the source file is untouched").isEqualTo(before);
        assertThat(Files.getLastModifiedTime(f.file())).isEqualTo(mtime);
    }

    /** How long an import takes is KeyImportBenchmark's (bench/); here only that repeated imports stay right. */
    @ParameterizedTest(name = "[swtpm | repeated import | {0}]")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"openssh-ecdsa-256", "openssh-rsa-2048"})
    void repeatedImportsEachMatchTheFileAndFreeTheirSlot(String name) throws Exception {
        KeyFile f = files.stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        KeyPair pair = PrivateKeyFiles.read(f.file(), PassphraseSource.none());
        // More imports than swtpm has object slots (3): each must give its slot back.
        try (KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(swtpm.tcti()).open()), Templates.srkEcc())) {
            for (int i = 0; i < 5; i++) {
                ImportedKey k = KeyImport.importKey(ring, pair, PinAuth.authValue("1".toCharArray()), false, name);
                assertThat(SshPublicKeys.encode(k.key().object().publicArea().toPublicKey()))
                        .as("import %d: the loaded key's public half is the file's", i)
                        .isEqualTo(SshPublicKeys.encode(pair.getPublic()));
                k.key().close();
                ring.cache().release(k.key().object());
            }
        }
    }
}
