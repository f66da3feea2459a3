package org.tpmssh.cli.pkcs11server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.cli.keys.Cli;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.Askpass;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshAgentProcess;
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

    /** {@code ssh -I p11-kit-client.so} offering {@code keyLine}, with the PIN (if any) from {@code askpass}. */
    CommandResult sshDashI(String name, String keyLine, Askpass askpass) throws Exception {
        OpenSshClient client = new OpenSshClient(dir.resolve("client-" + name), sshd);
        Map<String, String> env = new HashMap<>(server.environment());
        env.putAll(askpass.environment());
        return client.runWithModule(module, List.of(keyLine), env, List.of(), "echo logged-in-through-p11-kit");
    }

    @Test
    void sshDashILogsInWithAPinTokenThroughAskpass() throws Exception {
        try (Askpass askpass = Askpass.answering(dir, PIN.toCharArray())) {
            CommandResult r = sshDashI("pin", pinKey, askpass);
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).contains("logged-in-through-p11-kit");
            assertThat(askpass.prompts()).as("ssh asked askpass for the PIN once").hasSize(1);
            assertThat(askpass.prompts().get(0)).contains("pinned");
        }
    }

    @Test
    void sshDashILogsInWithAPinlessTokenWithoutAskingAnything() throws Exception {
        try (Askpass askpass = Askpass.answering(dir, "never-asked".toCharArray())) {
            CommandResult r = sshDashI("free", robotKey, askpass);
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).contains("logged-in-through-p11-kit");
            assertThat(askpass.prompts()).as("a PIN-less token needs no PIN").isEmpty();
        }
    }

    @Test
    void aWrongPinIsRefusedAndNeverLogged() throws Exception {
        try (Askpass askpass = Askpass.answering(dir, "13579".toCharArray())) {
            CommandResult r = sshDashI("wrong", pinKey, askpass);
            assertThat(r.exitCode()).as(r.describe()).isNotZero();
            assertThat(askpass.prompts()).as("ssh asked once and did not retry the refused PIN").hasSize(1);
            assertThat(server.log()).contains("CKR_PIN_INCORRECT").doesNotContain("13579").doesNotContain(PIN);
        }
    }

    @Test
    void sshAddDashSLoadsTheKeysIntoOpenSshsAgent() throws Exception {
        // ssh-agent runs ssh-pkcs11-helper, which loads the module with the agent's environment.
        try (OpenSshAgentProcess agent = OpenSshAgentProcess.start(dir.resolve("agent/ssh-agent.sock"), module,
                server.environment()); Askpass askpass = Askpass.answering(dir, PIN.toCharArray())) {
            CommandResult add = agent.addModule(askpass);
            assertThat(add.exitCode()).as(add.describe()).isZero();
            assertThat(OpenSshClient.listAgentKeys(agent.socket())).containsExactlyInAnyOrder(pinKey, robotKey);
            CommandResult login = new OpenSshClient(dir.resolve("client-agent"), sshd).run(agent.socket(), "true");
            assertThat(login.exitCode()).as(login.describe()).isZero();
        }
    }
}
