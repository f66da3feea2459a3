package org.tpmssh.sshserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.ChildProcesses;

/**
 * MINA SSHD and the MINA client against the real OpenSSH programs, with software keys, so the
 * module is proven without the TPM: OpenSSH's ssh (through OpenSSH's own ssh-agent) logs in to
 * MinaSshServer, and MinaSshClient logs in to the real sshd and to MinaSshServer.
 */
class MinaSshServerTest {

    @TempDir
    Path dir;

    private OpenSshAgentProcess agent;
    private Path agentSocket;
    private String agentKeyLine;

    @BeforeEach
    void startOpenSshAgent() throws Exception {
        Path key = dir.resolve("id_ecdsa");
        CommandResult keygen = CommandRunner.run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "",
                "-C", "test-user-key", "-f", key.toString()), Map.of(), Duration.ofSeconds(30));
        assertThat(keygen.succeeded()).as(keygen.describe()).isTrue();
        agentKeyLine = Files.readString(dir.resolve("id_ecdsa.pub")).trim();
        agentSocket = dir.resolve("agent.sock");
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

    static KeyPair ecKey(String curve) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    @Test
    void realSshLogsInToMinaRunsEchoAndIsRefusedOnceTheKeyIsRemoved() throws Exception {
        try (MinaSshServer mina = MinaSshServer.start(dir.resolve("mina"), List.of(agentKeyLine))) {
            OpenSshClient ssh = new OpenSshClient(dir.resolve("client"), mina);
            CommandResult echo = ssh.run(agentSocket, "echo", "hello-from-mina");
            assertThat(echo.exitCode()).as(echo.describe()).isZero();
            assertThat(echo.stdout()).isEqualTo("hello-from-mina\n");
            CommandResult exit3 = ssh.run(agentSocket, "sh", "-c", "'exit 3'");
            assertThat(exit3.exitCode()).as(exit3.describe()).isEqualTo(3);

            mina.setAuthorizedKeys(List.of());
            CommandResult refused = ssh.run(agentSocket, "true");
            assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(255);
            assertThat(refused.stderr()).contains("Permission denied");
        }
    }

    @Test
    void realSshRefusesMinaWhenKnownHostsHoldsAnotherKey() throws Exception {
        try (MinaSshServer mina = MinaSshServer.start(dir.resolve("mina"), List.of(agentKeyLine))) {
            String otherKey = PublicKeyEntry.toString(ecKey("secp256r1").getPublic());
            OpenSshClient ssh = new OpenSshClient(dir.resolve("client"), mina,
                    List.of("[127.0.0.1]:" + mina.port() + " " + otherKey), Duration.ofSeconds(30));
            CommandResult refused = ssh.run(agentSocket, "true");
            assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(255);
            assertThat(refused.stderr()).containsAnyOf("REMOTE HOST IDENTIFICATION HAS CHANGED",
                    "Host key verification failed");
        }
    }

    @Test
    void minaClientLogsInToRealSshdAndToMinaAndAStrangerIsRefused() throws Exception {
        KeyPair user = ecKey("secp384r1");
        KeyPair stranger = ecKey("secp384r1");
        String line = PublicKeyEntry.toString(user.getPublic()) + " mina-user";
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(line));
                MinaSshServer mina = MinaSshServer.start(dir.resolve("mina"), List.of(line))) {
            for (SshServerUnderTest server : List.<SshServerUnderTest>of(sshd, mina)) {
                Path knownHosts = dir.resolve("known_hosts-" + server.port());
                Files.writeString(knownHosts, server.knownHostsLine() + "\n");
                try (MinaSshClient client = MinaSshClient.builder().identity(user).knownHosts(knownHosts).start()) {
                    CommandResult r = client.run(server, "echo mina-client");
                    assertThat(r.exitCode()).as("%s: %s", server, r.describe()).isZero();
                    assertThat(r.stdout()).isEqualTo("mina-client\n");
                }
                try (MinaSshClient client = MinaSshClient.builder().identity(stranger).knownHosts(knownHosts)
                        .start()) {
                    CommandResult r = client.run(server, "true");
                    assertThat(r.exitCode()).as(r.describe()).isEqualTo(MinaSshClient.LOGIN_FAILED);
                }
            }
        }
    }

    @Test
    void minaClientRefusesAServerWhoseHostKeyIsNotTheTrustedOne() throws Exception {
        KeyPair user = ecKey("secp256r1");
        try (MinaSshServer mina = MinaSshServer.start(dir.resolve("mina"),
                List.of(PublicKeyEntry.toString(user.getPublic())));
                MinaSshClient client = MinaSshClient.builder().identity(user)
                        .trustedHostKey(ecKey("secp256r1").getPublic()).start()) {
            CommandResult r = client.run(mina, "true");
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(MinaSshClient.LOGIN_FAILED);
            assertThat(r.stderr()).containsIgnoringCase("server key");
        }
    }
}
