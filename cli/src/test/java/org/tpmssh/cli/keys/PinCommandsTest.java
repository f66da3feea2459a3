package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.Tcti;

/**
 * {@code token change-pin} and {@code reset-pin} on a real swtpm: the old PIN stops working and the
 * new one works (by {@code key create} of a PIN key), and a wrong PIN is one line that the TPM counts.
 */
class PinCommandsTest extends SwtpmCliTest {
    private static final String PIN_1 = "first-pin-1357";
    private static final String PIN_2 = "second-pin-2468";
    private static final String PIN_3 = "third-pin-9999";
    private static final String SO_1 = "so-pin-a1b2";
    private static final String SO_2 = "so-pin-c3d4";
    private static final String WRONG = "not-the-pin-0000";


    @Test
    void changeAndResetTheUserPinAndChangeTheSoPin() throws Exception {
        Cli cli = cli();
        Path pin1 = Cli.secretFile(dir, "1.pin", PIN_1);
        Path pin2 = Cli.secretFile(dir, "2.pin", PIN_2);
        Path pin3 = Cli.secretFile(dir, "3.pin", PIN_3);
        Path so1 = Cli.secretFile(dir, "so1.pin", SO_1);
        Path so2 = Cli.secretFile(dir, "so2.pin", SO_2);
        Path wrong = Cli.secretFile(dir, "wrong.pin", WRONG);

        cli.run("token", "init", "--label", "t", "--user-pin-file", pin1.toString(), "--so-pin-file", so1.toString())
                .ok();
        assertThat(works(cli, pin1, "k1")).isTrue();

        // A wrong PIN: one line, exit 1, and the TPM's dictionary-attack counter goes up.
        int before = lockoutCounter();
        Cli.Run bad = cli.run("key", "create", "--token", "t", "--label", "k-bad", "--algorithm", "ecc-p256",
                "--pin-file", wrong.toString()).userError();
        assertThat(bad.err()).contains("the user PIN for token 't' is incorrect")
                .contains("dictionary-attack lockout");
        assertThat(lockoutCounter()).isEqualTo(before + 1);
        assertThat(bad.err()).contains("the TPM now counts " + (before + 1) + " of ");

        cli.run("token", "change-pin", "--label", "t", "--old-pin-file", pin1.toString(), "--new-pin-file",
                pin2.toString()).ok();
        assertThat(works(cli, pin1, "k2")).isFalse();
        assertThat(works(cli, pin2, "k3")).isTrue();

        // Changing with a wrong old PIN changes nothing.
        cli.run("token", "change-pin", "--label", "t", "--old-pin-file", wrong.toString(), "--new-pin-file",
                pin3.toString()).userError();
        assertThat(works(cli, pin2, "k4")).isTrue();

        // The SO PIN resets a forgotten user PIN; the wrong SO PIN does not.
        assertThat(cli.run("token", "reset-pin", "--label", "t", "--so-pin-file", wrong.toString(),
                "--new-pin-file", pin3.toString()).userError().err()).contains("SO PIN for token 't' is incorrect");
        cli.run("token", "reset-pin", "--label", "t", "--so-pin-file", so1.toString(), "--new-pin-file",
                pin3.toString()).ok();
        assertThat(works(cli, pin2, "k5")).isFalse();
        assertThat(works(cli, pin3, "k6")).isTrue();

        // Change the SO PIN; the old one no longer resets.
        cli.run("token", "change-pin", "--so", "--label", "t", "--old-pin-file", so1.toString(), "--new-pin-file",
                so2.toString()).ok();
        cli.run("token", "reset-pin", "--label", "t", "--so-pin-file", so1.toString(), "--new-pin-file",
                pin1.toString()).userError();
        cli.run("token", "reset-pin", "--label", "t", "--so-pin-file", so2.toString(), "--new-pin-file",
                pin1.toString()).ok();
        assertThat(works(cli, pin1, "k7")).isTrue();

        // Every key made on the way is still there (k1, k3, k4, k6, k7): a PIN change re-seals, it never re-keys.
        assertThat(cli.run("key", "list", "--token", "t").ok().out().lines().count()).isEqualTo(5);

        // A PIN-less token has no PIN to change.
        cli.run("token", "init", "--label", "open", "--no-user-pin").ok();
        assertThat(cli.run("token", "change-pin", "--label", "open", "--old-pin-file", pin1.toString(),
                "--new-pin-file", pin2.toString()).userError().err()).contains("PIN-less");
        // A missing PIN file is named, never read as a PIN.
        assertThat(cli.run("token", "change-pin", "--label", "t", "--old-pin-file", dir.resolve("nope").toString(),
                "--new-pin-file", pin2.toString()).userError().err()).contains("does not exist");

        assertThat(cli.everythingPrinted()).doesNotContain(PIN_1).doesNotContain(PIN_2).doesNotContain(PIN_3)
                .doesNotContain(SO_1).doesNotContain(SO_2).doesNotContain(WRONG);
    }

    /** Logs in by creating a PIN key; true when the PIN was accepted. */
    private static boolean works(Cli cli, Path pinFile, String label) {
        Cli.Run r = cli.run("key", "create", "--token", "t", "--label", label, "--algorithm", "ecc-p256",
                "--pin-file", pinFile.toString());
        if (r.exit() != 0) {
            r.userError();
            assertThat(r.err()).contains("is incorrect");
        }
        return r.exit() == 0;
    }

    private static int lockoutCounter() throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            return GetCapability.property(tpm, GetCapability.PT_LOCKOUT_COUNTER);
        }
    }
}
