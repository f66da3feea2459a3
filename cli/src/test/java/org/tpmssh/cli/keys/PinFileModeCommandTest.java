package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/**
 * Every option that names a PIN or passphrase file refuses a file other users can read (mode 0644,
 * a umask's default), as OpenSSH refuses such a private key: exit 2, one line naming the file and
 * the `chmod 600` fix, and nothing is created or changed.
 */
class PinFileModeCommandTest extends SwtpmCliTest {
    private static final String PIN = "mode-pin-5772";

    private Path readableByOthers(String name, String value) throws Exception {
        Path f = Cli.secretFile(dir, name, value);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        return f;
    }

    private static void refusedNaming(Cli.Run r, Path file) {
        assertThat(r.exit()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.err().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("tpmssh: ").contains(file.toString()).contains("chmod 600 " + file)
                .doesNotContain("\tat ").doesNotContain(PIN);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void everyPinAndPassphraseFileOptionRefusesAFileOthersCanRead() throws Exception {
        Cli cli = cli();
        Path good = Cli.secretFile(dir, "good.pin", PIN);
        Path so = Cli.secretFile(dir, "so.pin", "mode-so-6931");
        Path open = readableByOthers("open.pin", PIN);
        Path openPass = readableByOthers("open.pass", "a passphrase");

        refusedNaming(cli.run("token", "init", "--label", "t", "--user-pin-file", open.toString(), "--so-pin-file",
                so.toString()), open);
        refusedNaming(cli.run("token", "init", "--label", "t", "--user-pin-file", good.toString(), "--so-pin-file",
                open.toString()), open);
        assertThat(cli.store()).as("nothing was created").doesNotExist();

        cli.run("token", "init", "--label", "t", "--user-pin-file", good.toString(), "--so-pin-file",
                so.toString()).ok();
        refusedNaming(cli.run("key", "create", "--token", "t", "--label", "k", "--algorithm", "ecc-p256",
                "--pin-file", open.toString()), open);
        Path key = dir.resolve("id_ecdsa");
        Cli.tool("ssh-keygen", "-q", "-t", "ecdsa", "-N", "a passphrase", "-f", key.toString());
        refusedNaming(cli.run("key", "import", "--token", "t", "--label", "i", "--file", key.toString(),
                "--passphrase-file", openPass.toString(), "--pin-file", good.toString()), openPass);
        refusedNaming(cli.run("key", "wrap", "--parent-pub", dir.resolve("none.pem").toString(), "--file",
                key.toString(), "--out", dir.resolve("w.tss2").toString(), "--passphrase-file", openPass.toString()),
                openPass);
        refusedNaming(cli.run("token", "change-pin", "--label", "t", "--old-pin-file", open.toString(),
                "--new-pin-file", good.toString()), open);
        refusedNaming(cli.run("token", "change-pin", "--label", "t", "--old-pin-file", good.toString(),
                "--new-pin-file", open.toString()), open);
        refusedNaming(cli.run("token", "reset-pin", "--label", "t", "--so-pin-file", open.toString(),
                "--new-pin-file", good.toString()), open);
        refusedNaming(cli.run("agent", "--socket", dir.resolve("a/agent.sock").toString(), "--pin-file",
                open.toString()), open);
        assertThat(dir.resolve("a/agent.sock")).doesNotExist();
        assertThat(cli.run("key", "list", "--token", "t").ok().out()).isEmpty();

        // The fix the message gives is enough.
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-------"));
        cli.run("key", "create", "--token", "t", "--label", "k", "--algorithm", "ecc-p256", "--pin-file",
                open.toString()).ok();
        assertThat(cli.everythingPrinted()).doesNotContain(PIN);
    }
}
