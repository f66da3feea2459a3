package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;

/**
 * A store with one truncated token.json and one truncated key file, used through the real verbs on
 * a swtpm: every healthy token and key is still listed, offered by the agent and signs a real ssh
 * login, a new key joins the token with the damaged key file, and the two damaged files are named
 * (never with advice to delete anything) and left byte for byte as they were.
 */
class DamagedStoreCommandTest extends SwtpmCliTest {
    private static final String USER_PIN = "damage-pin-2718";

    @Test
    void healthyTokensAndKeysKeepWorkingAndTheDamagedFilesAreNamedAndLeftAlone() throws Exception {
        Cli cli = cli();
        Path pin = Cli.secretFile(dir, "user.pin", USER_PIN);
        Path so = Cli.secretFile(dir, "so.pin", "damage-so-3141");
        cli.run("token", "init", "--label", "good", "--no-user-pin").ok();
        cli.run("token", "init", "--label", "work", "--user-pin-file", pin.toString(), "--so-pin-file",
                so.toString()).ok();
        cli.run("token", "init", "--label", "broken", "--no-user-pin").ok();
        cli.run("key", "create", "--token", "good", "--label", "g1", "--algorithm", "ecc-p256").ok();
        cli.run("key", "create", "--token", "work", "--label", "w1", "--algorithm", "ecc-p256", "--pin-file",
                pin.toString()).ok();
        cli.run("key", "create", "--token", "work", "--label", "w2", "--algorithm", "ecc-p256", "--no-pin").ok();
        cli.run("key", "create", "--token", "work", "--label", "w3", "--algorithm", "ecc-p256", "--no-pin").ok();
        cli.run("key", "create", "--token", "broken", "--label", "b1", "--algorithm", "ecc-p256").ok();
        String g1 = pub(cli, "good", "g1");
        String w1 = pub(cli, "work", "w1");
        String w2 = pub(cli, "work", "w2");

        Path brokenToken = cli.store().resolve("tokens/broken/token.json");
        Path brokenKey = keyFileOf(cli, "work", "w3");
        byte[] tokenBytes = truncate(brokenToken);
        byte[] keyBytes = truncate(brokenKey);

        Cli.Run tokens = cli.run("token", "list").ok();
        assertThat(tokens.out()).containsPattern("good\\s+pin-less\\s+ecc\\s+1 key\\b")
                .containsPattern("work\\s+user-pin\\s+ecc\\s+2 keys, 1 damaged").doesNotContain("broken");
        assertThat(tokens.err().lines()).hasSize(2).allMatch(l -> l.startsWith("tpmssh: warning: "));
        assertThat(tokens.err()).contains(brokenToken + " is cut short").contains(brokenKey + " is cut short");

        Cli.Run keys = cli.run("key", "list", "--token", "work").ok();
        assertThat(keys.out().lines()).hasSize(2).anyMatch(l -> l.endsWith(" w1 (ECDSA)"))
                .anyMatch(l -> l.endsWith(" w2 (ECDSA)"));
        assertThat(keys.err()).startsWith("tpmssh: warning: " + brokenKey + " is cut short");
        cli.run("key", "create", "--token", "work", "--label", "w4", "--algorithm", "ecc-p256", "--no-pin").ok();
        String w4 = pub(cli, "work", "w4");
        cli.run("key", "pub", "--token", "broken", "--label", "b1").userError();

        try (RunningAgent agent = new RunningAgent(cli, "--socket", dir.resolve("a/agent.sock").toString(),
                "--pin-file", pin.toString())) {
            assertThat(OpenSshClient.listAgentKeys(agent.socket())).containsExactlyInAnyOrder(g1, w1, w2, w4);
            for (String authorized : List.of(w1, g1)) {
                try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd-" + authorized.hashCode()),
                        List.of(authorized))) {
                    CommandResult login = new OpenSshClient(dir.resolve("client"), sshd).run(agent.socket(), "true");
                    assertThat(login.exitCode()).as(login.describe()).isZero();
                }
            }
            assertThat(agent.err.toString()).contains("warning: skipping " + brokenToken + " is cut short")
                    .contains("warning: skipping " + brokenKey + " is cut short")
                    .contains("offering 4 keys of tokens good, work");
        }
        // Naming the damaged token explicitly does not stop the agent serving the healthy one.
        try (RunningAgent agent = new RunningAgent(cli, "--socket", dir.resolve("b/agent.sock").toString(),
                "--token", "broken", "--token", "good")) {
            assertThat(OpenSshClient.listAgentKeys(agent.socket())).containsExactly(g1);
            assertThat(agent.err.toString()).contains("skipping " + brokenToken);
        }

        assertThat(Files.readAllBytes(brokenToken)).isEqualTo(tokenBytes);
        assertThat(Files.readAllBytes(brokenKey)).isEqualTo(keyBytes);
        assertThat(cli.everythingPrinted().toLowerCase(java.util.Locale.ROOT)).doesNotContain("delete")
                .doesNotContain(USER_PIN);
        // Only when asked to delete the token does its damaged key file go, and the count says so.
        assertThat(cli.run("token", "delete", "--label", "work").ok().out())
                .contains("token 'work' and its 3 keys and 1 damaged key file deleted");
        assertThat(brokenKey).doesNotExist();
    }

    private static String pub(Cli cli, String token, String label) {
        return cli.run("key", "pub", "--token", token, "--label", label).ok().out().strip();
    }

    static Path keyFileOf(Cli cli, String token, String label) throws Exception {
        try (var files = Files.list(cli.store().resolve("tokens/" + token + "/keys"))) {
            for (Path f : files.toList()) {
                if (Files.readString(f).contains("\"label\" : \"" + label + "\"")) {
                    return f;
                }
            }
        }
        throw new AssertionError("no key file for " + label);
    }

    /** Cuts the file to half its length, as a crash of a non-atomic writer or a full disk would; its new bytes. */
    static byte[] truncate(Path f) throws Exception {
        byte[] whole = Files.readAllBytes(f);
        return Files.write(f, Arrays.copyOf(whole, whole.length / 2)) == null ? null : Files.readAllBytes(f);
    }
}
