package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.OpenSshClient;

/** {@code ssh-add -L} shows exactly the token's keys, as the lines authorized_keys needs, and nothing else. */
@DisplayName("The agent's key list")
class AgentListsKeysTest {

    @TpmMatrix(servers = Server.OPENSSH, clients = Client.SSH_AGENT, origins = Origin.CREATED)
    @DisplayName("ssh-add -L lists exactly the token's keys")
    void agentListsExactlyTheTokensKeys(MatrixRun run) throws Exception {
        StackAdapter.Key first = run.key("tpmssh-first");
        StackAdapter.Key second = run.key("tpmssh-second");
        try (StackAdapter.Agent agent = run.agent(List.of(first, second))) {
            List<String> listed = OpenSshClient.listAgentKeys(agent.socketPath());
            assertThat(listed).as("ssh-add -L against the agent")
                    .containsExactly(first.authorizedKeysLine(), second.authorizedKeysLine());
        }
    }
}
