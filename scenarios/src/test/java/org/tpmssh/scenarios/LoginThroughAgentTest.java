package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.stack.agent.SshAgentServer;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;

/**
 * The walking skeleton, end to end: an ECDSA P-256 key created in the TPM with a PIN, served
 * by our ssh-agent, lets the real OpenSSH client log in to a real sshd. The server's
 * acceptance of the signature is the independent oracle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Login with a TPM key through our ssh-agent")
class LoginThroughAgentTest {
    private static final char[] PIN = "482913".toCharArray();

    @TempDir
    static Path dir;
    ScenarioTpm tpm;
    TpmSshKey key;
    TpmSshKey stranger;
    OpenSshServer sshd;

    @BeforeAll
    void start() throws Exception {
        tpm = ScenarioTpm.open();
        key = TpmSshKeys.create(tpm.ring, KeyType.ECC_P256, PIN, "tpmssh-login-key");
        stranger = TpmSshKeys.create(tpm.ring, KeyType.ECC_P256, PIN, "tpmssh-stranger-key");
        sshd = OpenSshServer.start(Files.createDirectories(dir.resolve("sshd")), List.of(key.authorizedKeysLine()));
    }

    @AfterAll
    void stop() {
        if (sshd != null) {
            sshd.close();
        }
        if (key != null) {
            key.close();
        }
        if (stranger != null) {
            stranger.close();
        }
        if (tpm != null) {
            tpm.close();
        }
    }

    private CommandResult loginWith(TpmSshKey agentKey, String name) throws Exception {
        Path socket = dir.resolve(name).resolve("agent.sock");
        try (SshAgentServer agent = SshAgentServer.start(socket, () -> List.of(agentKey))) {
            OpenSshClient ssh = new OpenSshClient(Files.createDirectories(dir.resolve(name + "-client")), sshd);
            return ssh.run(agent.socketPath(), "true");
        }
    }

    @Test
    @DisplayName("ssh logs in to sshd with an ECDSA P-256 key held in the TPM")
    void realSshLogsInWithTheTpmKey() throws Exception {
        CommandResult r = loginWith(key, "login");
        assertThat(r.exitCode()).as(r.describe()).isZero();
    }

    @Test
    @DisplayName("ssh-add -L lists exactly the key that authorized_keys holds")
    void agentListsExactlyTheAuthorizedKey() throws Exception {
        Path socket = dir.resolve("list").resolve("agent.sock");
        try (SshAgentServer agent = SshAgentServer.start(socket, () -> List.of(key))) {
            List<String> listed = OpenSshClient.listAgentKeys(agent.socketPath());
            List<String> authorized = Files.readAllLines(sshd.workDir().resolve("authorized_keys")).stream()
                    .filter(l -> !l.isBlank()).toList();
            assertThat(listed).containsExactlyElementsOf(authorized);
            assertThat(listed.get(0)).startsWith("ecdsa-sha2-nistp256 ");
        }
    }

    @Test
    @DisplayName("a TPM key that is not in authorized_keys is refused")
    void keyAbsentFromAuthorizedKeysIsRefused() throws Exception {
        CommandResult r = loginWith(stranger, "stranger");
        assertThat(r.exitCode()).as(r.describe()).isEqualTo(255);
        assertThat(r.stderr()).contains("Permission denied");
    }
}
