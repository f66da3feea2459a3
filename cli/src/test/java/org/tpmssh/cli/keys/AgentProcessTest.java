package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tpmssh.cli.Main;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * {@code tpmssh agent} as its own JVM, stopped with SIGTERM as a user's Ctrl-C or systemd would:
 * the shutdown hook must close the socket and flush every TPM object before the process exits.
 */
class AgentProcessTest extends SwtpmCliTest {

    @Test
    void sigtermRemovesTheSocketAndLeavesNoObjectInTheTpm() throws Exception {
        Cli cli = cli();
        String deploy = cli.pinlessKey("deploy", "ecc-p256");
        Path socket = dir.resolve("agent/agent.sock");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process agent = ChildProcesses.start(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(),
                "agent", "--socket", socket.toString(), "--tcti", swtpm.tcti(), "--store", cli.store().toString())
                .redirectError(dir.resolve("agent.err").toFile()));
        try {
            String first;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(),
                    StandardCharsets.UTF_8))) {
                first = out.readLine();
                assertThat(first).as("stderr: %s", Files.readString(dir.resolve("agent.err")))
                        .isEqualTo("SSH_AUTH_SOCK=" + socket + "; export SSH_AUTH_SOCK;");
                assertThat(OpenSshClient.listAgentKeys(socket)).containsExactly(deploy);
                // The agent holds the SRK (and the key, once used) while it runs.
                agent.destroy(); // SIGTERM
                assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            if (agent.isAlive()) {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        // A JVM ended by SIGTERM exits 143 once its hooks have run.
        assertThat(agent.exitValue()).isEqualTo(143);
        assertThat(socket).doesNotExist();
        assertThat(Files.readString(dir.resolve("agent.err"))).contains("offering 1 key of token ci")
                .doesNotContain("\tat ");
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            assertThat(GetCapability.handles(tpm, Handles.TRANSIENT_FIRST)).isEmpty();
        }
        assertThat(List.of(socket.getParent().toFile().list())).isEmpty();
    }
}
