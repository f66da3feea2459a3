package org.tpmssh.cli.pkcs11server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.cli.keys.Cli;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;

/**
 * Real logins through p11-kit-client.so: {@code ssh -I} into a real sshd with a PIN token (the PIN
 * from SSH_ASKPASS, with SSH_ASKPASS_REQUIRE=force, stdin /dev/null and BatchMode=no) and with a
 * PIN-less token (no askpass at all), and {@code ssh-add -s} into OpenSSH's own ssh-agent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Pkcs11ServerSshTest {
    static final String PIN = "8642";

    @TempDir
    static Path dir;
    Swtpm swtpm;
    Pkcs11ServerProcess server;
    OpenSshServer sshd;
    Path module;
    String pinKey;
    String robotKey;

    @BeforeAll
    void start() throws Exception {
        module = Pkcs11ServerProcess.module();
        swtpm = Cli.relaxedSwtpm();
        Cli cli = new Cli(swtpm, dir.resolve("store"));
        Path pin = Cli.secretFile(dir, "pin", PIN);
        cli.run("token", "init", "--label", "pinned", "--user-pin-file", pin.toString(), "--so-pin-file",
                Cli.secretFile(dir, "so", "so-2468").toString()).ok();
        cli.run("token", "init", "--label", "free", "--no-user-pin").ok();
        cli.run("key", "create", "--token", "pinned", "--label", "laptop", "--algorithm", "ecc-p256", "--pin-file",
                pin.toString()).ok();
        cli.run("key", "create", "--token", "free", "--label", "robot", "--algorithm", "rsa-2048").ok();
        pinKey = cli.run("key", "pub", "--token", "pinned", "--label", "laptop").ok().out().strip();
        robotKey = cli.run("key", "pub", "--token", "free", "--label", "robot").ok().out().strip();
        server = Pkcs11ServerProcess.start(cli, dir);
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(pinKey, robotKey));
    }

    @AfterAll
    void stop() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
        if (server != null) {
            server.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    /** An askpass that answers {@code answer} and counts its calls in {@code <name>.calls}. */
    static Map<String, String> askpass(String name, String answer) throws Exception {
        Path answerFile = Files.writeString(dir.resolve(name + ".answer"), answer + "\n");
        Files.setPosixFilePermissions(answerFile, PosixFilePermissions.fromString("rw-------"));
        Path script = dir.resolve(name + ".askpass");
        Files.writeString(script, "#!/bin/sh\necho \"$1\" >> '" + dir.resolve(name + ".calls") + "'\ncat '"
                + answerFile + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return Map.of("SSH_ASKPASS", script.toString(), "SSH_ASKPASS_REQUIRE", "force");
    }

    static List<String> calls(String name) throws Exception {
        Path f = dir.resolve(name + ".calls");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    CommandResult sshDashI(String name, String keyLine, Map<String, String> askpass) throws Exception {
        Path work = dir.resolve("client-" + name);
        OpenSshClient client = new OpenSshClient(work, sshd);
        Path pub = Files.writeString(work.resolve("id.pub"), keyLine + "\n");
        List<String> command = new java.util.ArrayList<>(client.pkcs11Command(module, List.of(pub)));
        command.add("echo logged-in-through-p11-kit");
        Map<String, String> env = new HashMap<>(server.environment());
        env.putAll(askpass);
        return CommandRunner.run(command, env, Duration.ofSeconds(60));
    }

    @Test
    void sshDashILogsInWithAPinTokenThroughAskpass() throws Exception {
        CommandResult r = sshDashI("pin", pinKey, askpass("pin", PIN));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).contains("logged-in-through-p11-kit");
        assertThat(calls("pin")).as("ssh asked askpass for the PIN once").hasSize(1);
        assertThat(calls("pin").get(0)).contains("pinned");
    }

    @Test
    void sshDashILogsInWithAPinlessTokenWithoutAskingAnything() throws Exception {
        CommandResult r = sshDashI("free", robotKey, askpass("free", "never-asked"));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(r.stdout()).contains("logged-in-through-p11-kit");
        assertThat(calls("free")).as("a PIN-less token needs no PIN").isEmpty();
    }

    @Test
    void aWrongPinIsRefusedAndNeverLogged() throws Exception {
        CommandResult r = sshDashI("wrong", pinKey, askpass("wrong", "13579"));
        assertThat(r.exitCode()).as(r.describe()).isNotZero();
        assertThat(calls("wrong")).isNotEmpty();
        assertThat(server.log()).contains("CKR_PIN_INCORRECT").doesNotContain("13579").doesNotContain(PIN);
    }

    @Test
    void sshAddDashSLoadsTheKeysIntoOpenSshsAgent() throws Exception {
        Path socket = dir.resolve("agent/ssh-agent.sock");
        Files.createDirectories(socket.getParent());
        ProcessBuilder agentCommand = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString(), "-P",
                module + "," + module.toRealPath()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("ssh-agent.log").toFile());
        // ssh-agent runs ssh-pkcs11-helper, which loads the module with the agent's environment.
        agentCommand.environment().putAll(server.environment());
        Process agent = ChildProcesses.start(agentCommand);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(socket) && agent.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(socket).exists();
            Map<String, String> env = new HashMap<>(askpass("agent", PIN));
            env.put("SSH_AUTH_SOCK", socket.toString());
            CommandResult add = CommandRunner.run(List.of("ssh-add", "-s", module.toString()), env,
                    Duration.ofSeconds(60));
            assertThat(add.exitCode()).as(add.describe()).isZero();
            assertThat(OpenSshClient.listAgentKeys(socket)).containsExactlyInAnyOrder(pinKey, robotKey);
            CommandResult login = new OpenSshClient(dir.resolve("client-agent"), sshd).run(socket, "true");
            assertThat(login.exitCode()).as(login.describe()).isZero();
        } finally {
            agent.destroy();
            if (!agent.waitFor(10, TimeUnit.SECONDS)) {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
