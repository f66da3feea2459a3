package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * {@code tpmssh agent} end to end: the verb runs in a background thread as it would in a terminal,
 * a real ssh logs in to a real sshd through it, and once it stops no object is left in the swtpm
 * (which has no resource manager, so a leak would show on the next connection).
 */
class AgentCommandTest extends SwtpmCliTest {
    private static final String USER_PIN = "agent-pin-6543";
    private static final String SO_PIN = "agent-so-3456";

    @Test
    void sshLogsInThroughTheAgentAndNothingStaysInTheTpm() throws Exception {
        // Askpass or TPMSSH_PIN in this JVM's environment would answer the "no PIN source" case.
        assumeTrue(System.getenv("TPMSSH_PIN") == null && System.getenv("SSH_ASKPASS") == null,
                "TPMSSH_PIN or SSH_ASKPASS is set in the test environment");
        Cli cli = cli();
        Path userPin = Cli.secretFile(dir, "user.pin", USER_PIN);
        Path soPin = Cli.secretFile(dir, "so.pin", SO_PIN);
        cli.run("token", "init", "--label", "ci", "--no-user-pin").ok();
        cli.run("token", "init", "--label", "work", "--user-pin-file", userPin.toString(), "--so-pin-file",
                soPin.toString()).ok();
        cli.run("key", "create", "--token", "ci", "--label", "deploy", "--algorithm", "ecc-p256").ok();
        cli.run("key", "create", "--token", "work", "--label", "laptop", "--algorithm", "rsa-2048", "--pin-file",
                userPin.toString()).ok();
        String deploy = cli.run("key", "pub", "--token", "ci", "--label", "deploy").ok().out().strip();
        String laptop = cli.run("key", "pub", "--token", "work", "--label", "laptop").ok().out().strip();

        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(deploy, laptop))) {
            OpenSshClient ssh = new OpenSshClient(dir.resolve("client"), sshd);

            // A PIN-less key: BatchMode=yes, no PIN anywhere.
            try (RunningAgent agent = new RunningAgent(cli, "--socket", dir.resolve("a1/agent.sock").toString(),
                    "--token", "ci")) {
                assertThat(OpenSshClient.listAgentKeys(agent.socket())).containsExactly(deploy);
                CommandResult login = ssh.run(agent.socket(), "true");
                assertThat(login.exitCode()).as(login.describe()).isZero();
            }
            assertThat(dir.resolve("a1/agent.sock")).doesNotExist();
            assertNoTransientObjects();

            // A PIN key with --pin-file.
            try (RunningAgent agent = new RunningAgent(cli, "--socket", dir.resolve("a2/agent.sock").toString(),
                    "--token", "work", "--pin-file", userPin.toString())) {
                CommandResult login = ssh.run(agent.socket(), "true");
                assertThat(login.exitCode()).as(login.describe()).isZero();
            }
            assertNoTransientObjects();

            // A PIN key without any PIN source: the login fails, and the agent's log says how to give one.
            RunningAgent noPin = new RunningAgent(cli, "--socket", dir.resolve("a3/agent.sock").toString(),
                    "--token", "work");
            try (noPin) {
                assertThat(OpenSshClient.listAgentKeys(noPin.socket())).containsExactly(laptop);
                CommandResult login = ssh.run(noPin.socket(), "true");
                assertThat(login.exitCode()).as(login.describe()).isEqualTo(255);
                assertThat(login.stderr()).contains("Permission denied (publickey)");
            }
            assertThat(noPin.err.toString()).contains("needs the PIN of work").contains("--pin-file")
                    .contains("TPMSSH_PIN").doesNotContain("\tat ");
            assertNoTransientObjects();
        }
        assertThat(cli.everythingPrinted()).doesNotContain(USER_PIN).doesNotContain(SO_PIN);
    }

    @Test
    void allowSshRsaLetsASha1LoginThroughWithATpmKeyAndWithoutItTheLoginIsRefused() throws Exception {
        Cli cli = cli();
        String rsa = cli.pinlessKey("old-server", "rsa-2048");
        List<String> onlySshRsa = List.of("-o", "PubkeyAcceptedAlgorithms=ssh-rsa");
        // OpenSSH 9.2's sshd refuses ssh-rsa by default; this one accepts it, as a legacy server would.
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd-sha1"), List.of(rsa), null,
                List.of("PubkeyAcceptedAlgorithms +ssh-rsa"))) {
            OpenSshClient ssh = new OpenSshClient(dir.resolve("client-sha1"), sshd);
            RunningAgent strict = new RunningAgent(cli, "--socket", dir.resolve("s1/agent.sock").toString());
            try (strict) {
                CommandResult refused = ssh.run(strict.socket(), onlySshRsa, "true");
                assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(255);
                assertThat(refused.stderr()).contains("Permission denied (publickey)");
            }
            assertThat(strict.err.toString()).contains("refusing an ssh-rsa (SHA-1) signature");

            try (RunningAgent lenient = new RunningAgent(cli, "--socket", dir.resolve("s2/agent.sock").toString(),
                    "--allow-ssh-rsa")) {
                CommandResult login = ssh.run(lenient.socket(), onlySshRsa, "true");
                assertThat(login.exitCode()).as("%s\nsshd log: %s", login.describe(), sshd.logFile()).isZero();
            }
            assertThat(java.nio.file.Files.readString(sshd.logFile())).contains("Accepted publickey")
                    .contains("pkalg ssh-rsa");
        }
        assertNoTransientObjects();
    }

    @Test
    void withDashAItAlsoOffersTheKeysOfOpenSshsAgent() throws Exception {
        Cli cli = cli();
        String deploy = cli.pinlessKey("deploy", "ecc-p256");

        Path upstreamDir = java.nio.file.Files.createDirectories(dir.resolve("up"));
        Path upstream = upstreamDir.resolve("agent.sock");
        Path fileKey = dir.resolve("id_file");
        Cli.tool("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C", "file key", "-f", fileKey.toString());
        Process sshAgent = ChildProcesses.start(new ProcessBuilder("ssh-agent", "-D", "-a", upstream.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("ssh-agent.log").toFile()));
        try {
            for (int i = 0; i < 100 && !java.nio.file.Files.exists(upstream); i++) {
                Thread.sleep(50);
            }
            CommandResult add = org.tpmssh.sshserver.CommandRunner.run(List.of("ssh-add", fileKey.toString()),
                    java.util.Map.of("SSH_AUTH_SOCK", upstream.toString()), java.time.Duration.ofSeconds(30));
            assertThat(add.exitCode()).as(add.describe()).isZero();
            String fileLine = java.nio.file.Files.readString(Path.of(fileKey + ".pub")).strip();

            try (RunningAgent agent = new RunningAgent(cli, "--socket", dir.resolve("a/agent.sock").toString(),
                    "-A", upstream.toString());
                    OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(fileLine))) {
                assertThat(OpenSshClient.listAgentKeys(agent.socket())).containsExactly(deploy, fileLine);
                // Only the upstream key is authorized, so this login signs through the proxy.
                CommandResult login = new OpenSshClient(dir.resolve("client"), sshd).run(agent.socket(), "true");
                assertThat(login.exitCode()).as(login.describe()).isZero();
            }
        } finally {
            sshAgent.destroy();
            if (!sshAgent.waitFor(10, TimeUnit.SECONDS)) {
                sshAgent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertNoTransientObjects();
    }

    @Test
    void aBadDurationIsAUsageErrorAndAnUnknownTokenIsOneLine() {
        Cli cli = cli();
        Cli.Run usage = cli.run("agent", "--socket", dir.resolve("s/a.sock").toString(), "--pin-cache-lifetime",
                "soon");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("'soon' is not a duration");
        cli.run("agent", "--socket", dir.resolve("s/a.sock").toString(), "--token", "nosuch").userError();
        assertThat(dir.resolve("s/a.sock")).doesNotExist();
    }

    private static void assertNoTransientObjects() throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            assertThat(GetCapability.handles(tpm, Handles.TRANSIENT_FIRST)).isEmpty();
        }
    }
}
