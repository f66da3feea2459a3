package org.tpmssh.sshserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.ChildProcesses;

/**
 * The server and client against each other, with OpenSSH's own ssh-agent holding a file key, so
 * this module is proven without the tpmssh agent.
 */
class OpenSshServerTest {

    @TempDir
    Path dir;

    private OpenSshAgentProcess agent;
    private Path agentSocket;
    private String userKeyLine;

    @BeforeEach
    void startOpenSshAgent() throws Exception {
        Path key = dir.resolve("id_ecdsa");
        run("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "", "-C", "test-user-key", "-f", key.toString());
        userKeyLine = Files.readString(dir.resolve("id_ecdsa.pub")).trim();
        agentSocket = dir.resolve("agent.sock");
        // Ready once it accepts a connection: the socket file alone appears before ssh-agent listens.
        agent = OpenSshAgentProcess.start(agentSocket);
        CommandResult added = agent.addKeyFile(key);
        assertThat(added.succeeded()).as(added.describe()).isTrue();
    }

    @AfterEach
    void stopAgent() {
        if (agent != null) {
            agent.close();
        }
    }

    @Test
    void authorizedKeyLogsInAndRunsTheCommand() throws Exception {
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(userKeyLine))) {
            OpenSshClient client = new OpenSshClient(dir.resolve("client"), sshd);
            CommandResult result = client.run(agentSocket, "echo", "hello-from-sshd");
            assertThat(result.exitCode()).as(result.describe()).isZero();
            assertThat(result.stdout()).isEqualTo("hello-from-sshd\n");
        }
    }

    @Test
    void keyRemovedFromAuthorizedKeysIsRefusedOnTheNextLogin() throws Exception {
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(userKeyLine))) {
            OpenSshClient client = new OpenSshClient(dir.resolve("client"), sshd);
            assertThat(client.run(agentSocket, "true").exitCode()).isZero();

            sshd.setAuthorizedKeys(List.of());
            CommandResult refused = client.run(agentSocket, "true");

            assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(255);
            assertThat(refused.stderr()).contains("Permission denied");
        }
    }

    @Test
    void closeStopsAndReapsSshdAndRemovesItsShutdownHook() throws Exception {
        OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(userKeyLine));
        long pid = sshd.pid();
        assertThat(ProcessHandle.of(pid)).isPresent();
        assertThat(Files.readString(sshd.workDir().resolve("sshd.pid")).trim()).isEqualTo(Long.toString(pid));

        sshd.close();
        sshd.close(); // idempotent

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(java.util.Optional.of(true));
        assertThat(portAcceptsConnections(sshd.port())).isFalse();
    }

    @Test
    void logFileRecordsTheLoginAtDebugLevel() throws Exception {
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(userKeyLine))) {
            OpenSshClient client = new OpenSshClient(dir.resolve("client"), sshd);
            assertThat(client.run(agentSocket, "true").exitCode()).isZero();
            assertThat(Files.readString(sshd.logFile())).contains("Accepted publickey for "
                    + System.getProperty("user.name"));
        }
    }

    @Test
    void clientOffersOnlyAgentKeysAndTrustsOnlyItsOwnKnownHosts() throws Exception {
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(userKeyLine))) {
            OpenSshClient client = new OpenSshClient(dir.resolve("client"), sshd);
            CommandResult verbose = client.run(agentSocket, List.of("-v"), "true");

            assertThat(verbose.exitCode()).as(verbose.describe()).isZero();
            String home = System.getProperty("user.home");
            assertThat(verbose.stderr())
                    .doesNotContain("identity file ")
                    .doesNotContain(home + "/.ssh")
                    .contains("Will attempt key: test-user-key ECDSA")
                    .contains("Host '[127.0.0.1]:" + sshd.port() + "' is known and matches");
        }
    }

    @Test
    void unknownHostKeyIsRejected() throws Exception {
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(userKeyLine));
                OpenSshServer other = OpenSshServer.start(dir.resolve("other"), List.of(userKeyLine))) {
            // A client set up for `other` but pointed at sshd's port sees the wrong host key.
            SshServerUnderTest impostor = new SshServerUnderTest() {
                public String host() { return sshd.host(); }
                public int port() { return sshd.port(); }
                public String hostPublicKeyLine() { return other.hostPublicKeyLine(); }
                public void setAuthorizedKeys(List<String> lines) { }
                public void close() { }
            };
            CommandResult result = new OpenSshClient(dir.resolve("client"), impostor).run(agentSocket, "true");
            assertThat(result.exitCode()).isEqualTo(255);
            assertThat(result.stderr()).contains("HOST IDENTIFICATION HAS CHANGED");
        }
    }

    @Test
    void listAgentKeysReturnsTheAgentsPublicKeys() throws Exception {
        assertThat(OpenSshClient.listAgentKeys(agentSocket)).containsExactly(userKeyLine);
    }

    private static boolean portAcceptsConnections(int port) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(String... command) throws Exception {
        CommandResult result = CommandRunner.run(List.of(command), Map.of(), Duration.ofSeconds(30));
        assertThat(result.exitCode()).as(result.describe()).isZero();
    }
}
