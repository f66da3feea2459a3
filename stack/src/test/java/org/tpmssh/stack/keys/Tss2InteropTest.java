package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.stack.agent.SshAgentServer;
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
 * TSS2 PRIVATE KEY files across implementations on one real swtpm: ours read by the tpm2-openssl
 * provider, tpm2-tools' read by us, and the remote wrap. A fresh swtpm per test, because
 * tpm2-openssl leaves sessions behind on a TPM without a resource manager.
 */
class Tss2InteropTest {
    @TempDir
    Path dir;
    Swtpm swtpm;

    @BeforeEach
    void start() throws Exception {
        swtpm = Swtpm.start();
        try (Tpm tpm = connect()) {
            DictionaryAttack.relaxForOwnSimulator(tpm);
        }
    }

    @AfterEach
    void stop() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    Tpm connect() throws Exception {
        return new Tpm(Tcti.parse(swtpm.tcti()).open());
    }

    String tcti() {
        return "swtpm:host=" + swtpm.host() + ",port=" + swtpm.port();
    }

    static KeyPair p256() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static boolean verifies(PublicKey key, String jcaAlg, byte[] data, byte[] sig) throws Exception {
        java.security.Signature v = java.security.Signature.getInstance(jcaAlg);
        v.initVerify(key);
        v.update(data);
        return v.verify(sig);
    }

    @Test
    void aFileWeExportLoadsInTheTpm2OpensslProviderAndSigns() throws Exception {
        assumeTrue(LibraryPath.opensslProvider("tpm2.so").isPresent(),
                "tpm2-openssl is not installed (apt-get install tpm2-openssl)");
        KeyPair pair = p256();
        Path pem = dir.resolve("key.pem");
        // tpm2-openssl 1.1.1 makes its 0x40000001 parent with an empty unique, not H-2's zeros.
        try (KeyRing ring = KeyRing.open(connect(), Templates.srkEccTss2Legacy())) {
            ImportedKey k = KeyImport.importKey(ring, pair, new byte[0], true, "exported");
            Tss2Keys.export(ring, k.privateBlob(), k.publicArea(), true).write(pem);
            k.key().close();
        }
        assertThat(Files.readString(pem)).startsWith("-----BEGIN TSS2 PRIVATE KEY-----");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(pem)))
                .isEqualTo("rw-------");
        byte[] data = "signed by tpm2-openssl".getBytes(StandardCharsets.UTF_8);
        Path digest = dir.resolve("digest");
        Files.write(digest, MessageDigest.getInstance("SHA-256").digest(data));
        Path sig = dir.resolve("sig");
        Tools.ok(Map.of("TPM2OPENSSL_TCTI", tcti()), "openssl", "pkeyutl", "-provider", "tpm2", "-provider",
                "default", "-sign", "-inkey", pem.toString(), "-in", digest.toString(), "-out", sig.toString());
        assertThat(verifies(pair.getPublic(), "SHA256withECDSA", data, Files.readAllBytes(sig)))
                .as("JCA accepts tpm2-openssl's signature with the key we exported").isTrue();
        Path pub = dir.resolve("pub.pem");
        Files.writeString(pub, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        CommandResult verify = Tools.run(Map.of(), "openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                pub.toString(), "-in", digest.toString(), "-sigfile", sig.toString());
        assertThat(verify.stdout()).as(verify.describe()).contains("Signature Verified Successfully");
    }

    @Test
    void aKeyExportedUnderH2LoadsBackUnderH2AndAKeyUnderTheToolsSrkIsNotExported() throws Exception {
        KeyPair pair = p256();
        Tss2KeyFile file;
        try (KeyRing ring = KeyRing.open(connect(), Templates.srkEccH2())) {
            ImportedKey k = KeyImport.importKey(ring, pair, new byte[0], true, "h2");
            file = Tss2Keys.export(ring, k.privateBlob(), k.publicArea(), true);
            k.key().close();
        }
        assertThat(file.rsaParent()).isFalse();
        Tss2Keys.Loaded loaded = Tss2Keys.open(this::connect, Tss2KeyFile.parsePem(file.toPem(), "h2"), new byte[0],
                "h2");
        try (KeyRing ring = loaded.ring(); TpmSshKey key = loaded.key().key()) {
            assertThat(loaded.srkTemplate()).isEqualTo(Templates.srkEccH2());
            byte[] data = "round trip".getBytes(StandardCharsets.UTF_8);
            byte[] der = SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(SshCurve.NISTP256, key.sign(data, 0)));
            assertThat(verifies(pair.getPublic(), "SHA256withECDSA", data, der)).isTrue();
        }
        try (KeyRing ring = KeyRing.open(connect(), Templates.srkEcc())) {
            ImportedKey k = KeyImport.importKey(ring, pair, new byte[0], true, "tools-srk");
            k.key().close();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> Tss2Keys.export(ring, k.privateBlob(), k.publicArea(), true))
                    .hasMessageContaining("must be created under the H-2 SRK");
        }
    }

    @Test
    void aFileFromTpm2ToolsEncodeobjectLoadsAndSignsInOurStack() throws Exception {
        assumeTrue(Tools.onPath("tpm2_encodeobject") && Tools.onPath("tpm2_print"), "tpm2-tools 5.x is needed");
        Map<String, String> env = Map.of("TPM2TOOLS_TCTI", tcti());
        Path zeros = dir.resolve("unique");
        Files.write(zeros, new byte[64]);
        Path ctx = dir.resolve("h2.ctx");
        // H-2: the guidance's ECC SRK; tpm2_createprimary splits 64 bytes from stdin into x and y.
        CommandResult primary = org.tpmssh.sshserver.CommandRunner.run(List.of("tpm2_createprimary", "-Q", "-C", "o",
                "-g", "sha256", "-G", "ecc256:aes128cfb", "-a",
                "restricted|decrypt|fixedtpm|fixedparent|sensitivedataorigin|userwithauth|noda", "-u", "-",
                "-c", ctx.toString()), env, java.time.Duration.ofSeconds(30), zeros);
        assertThat(primary.exitCode()).as(primary.describe()).isZero();
        Tools.ok(env, "tpm2_flushcontext", "-t"); // no resource manager: make room for tpm2_create
        Path pubFile = dir.resolve("k.pub");
        Path privFile = dir.resolve("k.priv");
        Tools.ok(env, "tpm2_create", "-Q", "-C", ctx.toString(), "-G", "ecc256", "-p", "tool pin",
                "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign",
                "-u", pubFile.toString(), "-r", privFile.toString());
        Tools.ok(env, "tpm2_flushcontext", "-t");
        Path pem = dir.resolve("tool.pem");
        Tools.ok(env, "tpm2_encodeobject", "-C", ctx.toString(), "-u", pubFile.toString(), "-r",
                privFile.toString(), "-p", "-o", pem.toString());
        Tools.ok(env, "tpm2_flushcontext", "-t");
        String pubPem = Tools.ok("tpm2_print", "-t", "TPM2B_PUBLIC", "-f", "pem", pubFile.toString());
        PublicKey expected;
        try (PemReader r = new PemReader(new java.io.StringReader(pubPem))) {
            expected = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(r.readPemObject().getContent()));
        }

        Tss2KeyFile file = Tss2KeyFile.read(pem);
        assertThat(file.type()).isEqualTo(Tss2KeyFile.LOADABLE);
        // Observed: tpm2-tools 5.4 writes emptyAuth TRUE with -p (and FALSE without), the inverse of the draft;
        // a caller that has the PIN passes it whatever the flag says, so the key still loads.
        assertThat(file.emptyAuth()).isTrue();
        assertThat(file.parent()).isEqualTo(0x40000001);
        // tpm2-tools hashes a string password straight in: the authValue is its bytes.
        byte[] auth = "tool pin".getBytes(StandardCharsets.UTF_8);
        Tss2Keys.Loaded loaded = Tss2Keys.open(this::connect, file, auth, "from tpm2-tools");
        try (KeyRing ring = loaded.ring(); TpmSshKey key = loaded.key().key()) {
            assertThat(loaded.srkTemplate()).isEqualTo(Templates.srkEccH2());
            byte[] data = "our stack, their key".getBytes(StandardCharsets.UTF_8);
            byte[] blob = key.sign(data, 0);
            byte[] der = SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(SshCurve.NISTP256, blob));
            assertThat(verifies(expected, "SHA256withECDSA", data, der)).isTrue();
        }
    }

    @ParameterizedTest(name = "[swtpm | remote wrap | {0} parent]")
    @ValueSource(strings = {"ecc", "rsa"})
    void aKeyWrappedWithOnlyTheSrkPublicPemImportsOnTheTargetAndSigns(String parentType) throws Exception {
        TpmtPublic srk = "rsa".equals(parentType) ? Templates.srkRsaH1() : Templates.srkEccH2();
        String srkPem;
        try (KeyRing target = KeyRing.open(connect(), srk)) {
            srkPem = Tss2Keys.srkPublicPem(target);
        }
        // The "host": no TPM, only the PEM and a key file.
        Path keyFile = dir.resolve("id_ecdsa");
        Tools.ok("ssh-keygen", "-q", "-t", "ecdsa", "-b", "384", "-N", "", "-C", "wrapped", "-f", keyFile.toString());
        KeyPair pair = PrivateKeyFiles.read(keyFile, PassphraseSource.none());
        byte[] auth = PinAuth.authValue("5150".toCharArray());
        Path wrapped = dir.resolve("wrapped.tss2");
        Tss2Keys.wrap(pair, srkPem, auth, false, new SecureRandom()).write(wrapped);
        Tss2KeyFile file = Tss2KeyFile.read(wrapped);
        assertThat(file.type()).isEqualTo(Tss2KeyFile.IMPORTABLE);
        assertThat(file.rsaParent()).isEqualTo("rsa".equals(parentType));
        assertThat(file.secret()).isNotEmpty();

        Tss2Keys.Loaded loaded = Tss2Keys.open(this::connect, file, auth, "wrapped");
        try (KeyRing ring = loaded.ring(); TpmSshKey key = loaded.key().key()) {
            assertThat(loaded.srkTemplate()).isEqualTo(srk);
            String fp = "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(key.publicKeyBlob()));
            assertThat(fp).isEqualTo(Tools.sshKeygenFingerprint(Path.of(keyFile + ".pub")));
            byte[] data = "wrapped far away".getBytes(StandardCharsets.UTF_8);
            byte[] blob = key.sign(data, AgentKey.SSH_AGENT_RSA_SHA2_256);
            byte[] der = SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(SshCurve.NISTP384, blob));
            PublicKey original = SshPublicKeys.parse(SshPublicKeys.blobFromLine(
                    Files.readString(Path.of(keyFile + ".pub"))));
            assertThat(verifies(original, "SHA384withECDSA", data, der)).isTrue();
            // The new private blob is loadable under the same SRK: that is what the store keeps.
            assertThat(loaded.key().privateBlob()).isNotEmpty();
        }
    }

    @Test
    void aWrappedFileForAnotherTpmIsRefusedWithOneSentence() throws Exception {
        String otherSrkPem;
        try (Swtpm other = Swtpm.start();
                KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(other.tcti()).open()), Templates.srkEccH2())) {
            otherSrkPem = Tss2Keys.srkPublicPem(ring);
        }
        Tss2KeyFile file = Tss2Keys.wrap(p256(), otherSrkPem, new byte[0], true, new SecureRandom());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Tss2Keys.open(this::connect, file, new byte[0], "x"))
                .hasMessageContaining("made for another TPM or another storage key");
    }

    @Test
    void anImportedKeyLogsInToARealSshdThroughOurAgent() throws Exception {
        Path keyFile = dir.resolve("id_rsa");
        Tools.ok("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "pass phrase", "-C", "imported",
                "-f", keyFile.toString());
        String authorized = Files.readString(Path.of(keyFile + ".pub")).trim(); // the original's public key
        KeyPair pair = PrivateKeyFiles.read(keyFile, PassphraseSource.of("pass phrase".toCharArray()));
        try (KeyRing ring = KeyRing.open(connect(), Templates.srkRsa())) {
            ImportedKey imported = KeyImport.importKey(ring, pair, new byte[0], true, "imported");
            try (TpmSshKey key = imported.key();
                    OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(authorized));
                    SshAgentServer agent = SshAgentServer.start(dir.resolve("agent/s.sock"), () -> List.of(key))) {
                CommandResult login = new OpenSshClient(dir.resolve("client"), sshd).run(agent.socketPath(), "true");
                assertThat(login.exitCode()).as("%s\nsshd log: %s", login.describe(), sshd.logFile()).isZero();
                assertThat(Files.readString(sshd.logFile())).contains("Accepted publickey for");
            }
        }
    }
}
