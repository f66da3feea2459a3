package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.transport.Tcti;

/**
 * Issue 10 item 2 for the CLI: verbs run again and again in one JVM (as a shell loop calling into a library would)
 * spend one dictionary-attack try per distinct wrong PIN, counted by a real swtpm whose DA protection is strict
 * (10 tries, 600 s recovery, never relaxed). Each run of the real command is its own process, which asks once.
 */
class WrongPinOnceCommandTest {
    private static final String PIN = "cli-right-2468";
    private static final String SO_PIN = "cli-so-1357";
    private static final String WRONG = "cli-wrong-0000";

    @TempDir
    Path dir;

    @Test
    void theSameWrongPinFileCostsOneTryAcrossVerbsAndRuns() throws Exception {
        try (Swtpm swtpm = Swtpm.start()) {
            try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
                DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), 10, 600, 1);
            }
            Cli cli = new Cli(swtpm, dir.resolve("store"));
            Path right = Cli.secretFile(dir, "right.pin", PIN);
            Path so = Cli.secretFile(dir, "so.pin", SO_PIN);
            Path wrong = Cli.secretFile(dir, "wrong.pin", WRONG);
            cli.run("token", "init", "--label", "t", "--user-pin-file", right.toString(), "--so-pin-file",
                    so.toString()).ok();

            Cli.Run first = cli.run("key", "create", "--token", "t", "--label", "k1", "--algorithm", "ecc-p256",
                    "--pin-file", wrong.toString()).userError();
            assertThat(first.err()).contains("is incorrect").contains("the TPM now counts 1 of 10");
            for (int i = 0; i < 3; i++) {
                Cli.Run again = cli.run("key", "create", "--token", "t", "--label", "k1", "--algorithm", "ecc-p256",
                        "--pin-file", wrong.toString()).userError();
                assertThat(again.err()).contains("is incorrect").contains("not tried again");
            }
            cli.run("token", "change-pin", "--label", "t", "--old-pin-file", wrong.toString(), "--new-pin-file",
                    so.toString()).userError();
            assertThat(lockoutCounter(swtpm)).as("4 key creates and a PIN change with one wrong user PIN").isEqualTo(1);

            // The SO seal is another object: the same wrong string is a new question there, asked once.
            for (int i = 0; i < 3; i++) {
                cli.run("token", "reset-pin", "--label", "t", "--so-pin-file", wrong.toString(), "--new-pin-file",
                        right.toString()).userError();
            }
            assertThat(lockoutCounter(swtpm)).isEqualTo(2);

            cli.run("key", "create", "--token", "t", "--label", "k1", "--algorithm", "ecc-p256", "--pin-file",
                    right.toString()).ok();
            assertThat(lockoutCounter(swtpm)).isEqualTo(2);
            assertThat(cli.everythingPrinted()).doesNotContain(WRONG).doesNotContain(PIN).doesNotContain(SO_PIN);
        }
    }

    private static int lockoutCounter(Swtpm swtpm) throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            return GetCapability.property(tpm, GetCapability.PT_LOCKOUT_COUNTER);
        }
    }
}
