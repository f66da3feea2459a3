package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@code tpmssh key import} and the remote wrap on a real swtpm, with key files that ssh-keygen and
 * openssl made. The oracle is {@code ssh-keygen -l} of the original file: our {@code key list}
 * must show the same fingerprint, and {@code key pub} the same public key.
 */
class KeyImportCommandTest extends SwtpmCliTest {
    private static final String USER_PIN = "import-pin-2020";
    private static final String SO_PIN = "import-so-3030";
    private static final String PASSPHRASE = "file-passphrase-77";


    @ParameterizedTest(name = "{0} storage key")
    @ValueSource(strings = {"ecc", "rsa"})
    void filesFromSshKeygenAndOpensslImportWithTheirFingerprint(String parent) throws Exception {
        Cli cli = cli();
        Path userPin = Cli.secretFile(dir, "user.pin", USER_PIN);
        Path soPin = Cli.secretFile(dir, "so.pin", SO_PIN);
        Path passphrase = Cli.secretFile(dir, "pass", PASSPHRASE);
        cli.run("token", "init", "--label", "t", "--parent", parent, "--user-pin-file", userPin.toString(),
                "--so-pin-file", soPin.toString()).ok();

        Path openssh = dir.resolve("id_ecdsa");
        Cli.tool("ssh-keygen", "-q", "-t", "ecdsa", "-b", "384", "-N", PASSPHRASE, "-C", "from ssh-keygen", "-f",
                openssh.toString());
        Path pem = dir.resolve("id_rsa_pem");
        Cli.tool("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", pem.toString());
        Path pkcs8 = dir.resolve("p256.pk8");
        Cli.tool("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                pkcs8.toString());
        byte[] before = Files.readAllBytes(openssh);

        cli.run("key", "import", "--token", "t", "--label", "openssh", "--file", openssh.toString(),
                "--passphrase-file", passphrase.toString(), "--pin-file", userPin.toString()).ok();
        cli.run("key", "import", "--token", "t", "--label", "pem", "--file", pem.toString(), "--no-pin").ok();
        cli.run("key", "import", "--token", "t", "--label", "pkcs8", "--file", pkcs8.toString(), "--pin-file",
                userPin.toString()).ok();
        assertThat(Files.readAllBytes(openssh)).as("the source file is only read").isEqualTo(before);

        String listed = cli.run("key", "list", "--token", "t").ok().out();
        assertThat(listed).contains(fingerprintOf(openssh, PASSPHRASE)).contains(fingerprintOf(pem, ""))
                .contains(fingerprintOf(pkcs8, ""));
        // key pub gives back exactly the original public key.
        String originalPub = Files.readString(Path.of(pem + ".pub")).split(" ")[1];
        assertThat(cli.run("key", "pub", "--token", "t", "--label", "pem").ok().out().split(" ")[1])
                .isEqualTo(originalPub);

        // An encrypted file without a passphrase source, and a wrong passphrase: one line each.
        assertThat(cli.run("key", "import", "--token", "t", "--label", "again", "--file", openssh.toString(),
                "--no-pin").userError().err()).contains("passphrase");
        Path wrongPass = Cli.secretFile(dir, "wrong", "not-it");
        assertThat(cli.run("key", "import", "--token", "t", "--label", "again", "--file", openssh.toString(),
                "--passphrase-file", wrongPass.toString(), "--no-pin").userError().err()).contains("wrong");

        assertThat(cli.everythingPrinted()).doesNotContain(USER_PIN).doesNotContain(SO_PIN)
                .doesNotContain(PASSPHRASE);
    }

    @Test
    void ed25519IsRefusedInOneSentence() throws Exception {
        Cli cli = cli();
        cli.run("token", "init", "--label", "t", "--no-user-pin").ok();
        Path ed = dir.resolve("id_ed25519");
        Cli.tool("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ed.toString());
        Cli.Run r = cli.run("key", "import", "--token", "t", "--label", "ed", "--file", ed.toString()).userError();
        assertThat(r.err()).contains("Ed25519 keys cannot be stored in a TPM 2.0; create an ECDSA key with"
                + " `tpmssh key create`");
        assertThat(cli.run("key", "list", "--token", "t").ok().out()).isEmpty();
        assertThat(cli.run("key", "import", "--token", "t", "--label", "x", "--file",
                dir.resolve("missing").toString()).userError().err()).contains("missing");
    }

    @Test
    void aKeyWrappedWithOnlyTheParentPublicKeyImportsOnTheTarget() throws Exception {
        Cli cli = cli();
        cli.run("token", "init", "--label", "target", "--no-user-pin").ok();
        Path srkPem = dir.resolve("srk.pem");
        cli.run("key", "parent-pub", "--token", "target", "--out", srkPem.toString()).ok();
        assertThat(Files.readString(srkPem)).startsWith("-----BEGIN PUBLIC KEY-----");

        Path original = dir.resolve("id_wrapped");
        Cli.tool("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", PASSPHRASE, "-f", original.toString());
        Path passphrase = Cli.secretFile(dir, "pass", PASSPHRASE);
        Path blob = dir.resolve("wrapped.tss2");
        // No TPM on the wrapping side: the TCTI points nowhere and is never opened.
        Cli.Run wrap = cli.raw("key", "wrap", "--parent-pub", srkPem.toString(), "--file", original.toString(),
                "--passphrase-file", passphrase.toString(), "--out", blob.toString(), "--tcti",
                "swtpm:host=127.0.0.1,port=1", "--store", dir.resolve("no-store").toString()).ok();
        assertThat(wrap.out()).contains("key import");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(blob))).isEqualTo("rw-------");
        assertThat(dir.resolve("no-store")).doesNotExist();

        cli.run("key", "import", "--token", "target", "--label", "wrapped", "--file", blob.toString()).ok();
        String pub = cli.run("key", "pub", "--token", "target", "--label", "wrapped").ok().out();
        assertThat(pub.split(" ")[1]).isEqualTo(Files.readString(Path.of(original + ".pub")).split(" ")[1]);
        assertThat(cli.run("key", "list", "--token", "target").ok().out())
                .contains(fingerprintOf(original, PASSPHRASE));

        // A blob wrapped for another storage key is refused with what to do.
        cli.run("token", "init", "--label", "other", "--parent", "rsa", "--no-user-pin").ok();
        assertThat(cli.run("key", "add-file", "--token", "other", "--label", "wrapped", "--file", blob.toString())
                .userError().err()).contains("parent-pub");
        assertThat(cli.everythingPrinted()).doesNotContain(PASSPHRASE);
    }

    /** ssh-keygen's "bits SHA256:… " prefix for the key in a private key file (its public half). */
    private String fingerprintOf(Path privateKey, String passphrase) throws Exception {
        String pub = Cli.tool("ssh-keygen", "-y", "-P", passphrase, "-f", privateKey.toString());
        String line = Cli.sshKeygenFingerprint(dir, pub);
        List<String> fields = List.of(line.split(" "));
        return fields.get(0) + " " + fields.get(1) + " ";
    }
}
