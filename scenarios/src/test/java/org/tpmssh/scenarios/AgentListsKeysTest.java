package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;

/**
 * {@code ssh-add -L} shows exactly the token's keys, as the lines authorized_keys needs, and nothing else; each line
 * is proven by OpenSSH, not by the stack's own word: the agent signs for it and {@code ssh-keygen -Y verify}
 * accepts that signature with the listed key.
 */
@DisplayName("The agent's key list")
class AgentListsKeysTest {

    @TpmMatrix(servers = Server.OPENSSH, clients = Client.SSH_AGENT, origins = Origin.CREATED)
    @DisplayName("ssh-add -L lists exactly the token's keys")
    void agentListsExactlyTheTokensKeys(MatrixRun run) throws Exception {
        StackAdapter.Key first = run.key("tpmssh-first");
        StackAdapter.Key second = run.key("tpmssh-second");
        Path dir = run.workDir();
        try (StackAdapter.Agent agent = run.agent(List.of(first, second))) {
            List<String> listed = OpenSshClient.listAgentKeys(agent.socketPath());
            assertThat(listed).as("ssh-add -L against the agent: two different keys").hasSize(2)
                    .doesNotHaveDuplicates();
            for (String line : listed) {
                Path data = Files.writeString(Files.createTempFile(dir, "challenge", ".txt"), line);
                CommandResult sign = SshSig.sign(agent.socketPath(), line, data, dir);
                assertThat(sign.succeeded()).as(() -> "the agent would not sign for a key it lists: " + line + "\n"
                        + sign.describe()).isTrue();
                CommandResult verify = SshSig.verify(line, data, dir);
                assertThat(verify.succeeded()).as(() -> "the agent lists a key that does not make its signatures: "
                        + line + "\n" + verify.describe()).isTrue();
            }
            assertThat(listed).as("the lines the stack gives for authorized_keys")
                    .containsExactly(first.authorizedKeysLine(), second.authorizedKeysLine());
        }
    }
}
