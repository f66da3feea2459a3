package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.stack.ssh.SshCurve;

/**
 * A real ssh logs in to a real sshd with a key only our agent holds. The software key stands in
 * for the TPM; the TPM-backed version of this lives in scenarios once the key exists.
 */
class AgentLoginEndToEndTest {

    @TempDir
    Path dir;

    @Test
    void keyInAuthorizedKeysLogsInAndAnotherKeyIsRefused() throws Exception {
        SoftwareAgentKey authorized = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "authorized");
        SoftwareAgentKey stranger = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "not in authorized_keys");
        long sshdPid;
        try (AgentLogCapture log = new AgentLogCapture();
                OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(authorized.authorizedKeysLine()));
                SshAgentServer goodAgent = SshAgentServer.start(dir.resolve("a/good.sock"), () -> List.of(authorized));
                SshAgentServer strangerAgent = SshAgentServer.start(dir.resolve("b/bad.sock"), () -> List.of(stranger))) {
            sshdPid = sshd.pid();
            OpenSshClient ssh = new OpenSshClient(dir.resolve("client"), sshd);

            CommandResult login = ssh.run(goodAgent.socketPath(), "true");
            assertThat(login.exitCode()).as("%s\nsshd log: %s", login.describe(), sshd.logFile()).isZero();
            assertThat(Files.readString(sshd.logFile())).contains("Accepted publickey for "
                    + System.getProperty("user.name") + " from 127.0.0.1").contains("ECDSA SHA256:");

            // OpenSSH 9.2 binds its agent connection to the session; the host key's signature verified.
            assertThat(log.messages()).anyMatch(m -> m.contains("connection bound to a session of host key")
                    && m.contains("(authentication)"));

            CommandResult refused = ssh.run(strangerAgent.socketPath(), "true");
            assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(255);
            assertThat(refused.stderr()).contains("Permission denied (publickey)");
        }
        assertThat(ProcessHandle.of(sshdPid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        assertThat(dir.resolve("a/good.sock")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nistp384", "nistp521", "rsa"})
    void everySupportedKeyTypeLogsIn(String type) throws Exception {
        // RSA proves the flags path: OpenSSH 9.2 asks the agent for rsa-sha2-512 or -256, never ssh-rsa.
        SoftwareAgentKey key = "rsa".equals(type) ? SoftwareAgentKey.rsa(2048, "rsa")
                : SoftwareAgentKey.ecdsa(SshCurve.ofIdentifier(type).orElseThrow(), type);
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(key.authorizedKeysLine()));
                SshAgentServer agent = SshAgentServer.start(dir.resolve("agent/s.sock"), () -> List.of(key))) {
            CommandResult login = new OpenSshClient(dir.resolve("client"), sshd).run(agent.socketPath(), "true");
            assertThat(login.exitCode()).as("%s\nsshd log: %s", login.describe(), sshd.logFile()).isZero();
            if ("rsa".equals(type)) {
                assertThat(Files.readString(sshd.logFile())).contains("pkalg rsa-sha2-512");
            }
        }
    }

    @Test
    void eightParallelLoginsThroughOneAgentAllSucceed() throws Exception {
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "parallel");
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(key.authorizedKeysLine()));
                SshAgentServer agent = SshAgentServer.start(dir.resolve("agent/s.sock"), () -> List.of(key))) {
            OpenSshClient ssh = new OpenSshClient(dir.resolve("client"), sshd);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<CommandResult>> logins = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    logins.add(pool.submit(() -> ssh.run(agent.socketPath(), "true")));
                }
                for (Future<CommandResult> login : logins) {
                    CommandResult result = login.get(60, TimeUnit.SECONDS);
                    assertThat(result.exitCode()).as(result.describe()).isZero();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
