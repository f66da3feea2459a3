package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.latency.AgentRoundTrip;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.ssh.AgentKey;

/**
 * {@code ssh-add -s} loads a stack's PKCS#11 module into OpenSSH's own ssh-agent, which then signs with the TPM key:
 * bare sign requests whose signatures JCA verifies, and a login the real server accepts.
 */
@DisplayName("ssh-add -s of the PKCS#11 module")
class SshAddModuleTest {
    private static final int ROUND_TRIPS = 5;

    @TpmMatrix(clients = Client.SSH_PKCS11, servers = Server.OPENSSH)
    @DisplayName("ssh-add -s loads the key into ssh-agent, which signs and logs in")
    void sshAddDashSLoadsTheKeyIntoOpenSshsAgent(MatrixRun run) throws Exception {
        StackAdapter.Key key = run.key("tpmssh-ssh-add");
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        String blob = key.authorizedKeysLine().split(" ")[1];
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            // The ssh-pkcs11 client's agent is OpenSSH's ssh-agent after ssh-add -s of the stack's module.
            assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).as("ssh-add -L after ssh-add -s")
                    .anySatisfy(line -> assertThat(line.split(" ")[1]).isEqualTo(blob));
            assertThat(AgentRoundTrip.measure(agent.socketPath(), key.publicKeyBlob(),
                    AgentKey.SSH_AGENT_RSA_SHA2_256, ROUND_TRIPS, run.combination().id()))
                    .as("sign responses of OpenSSH's ssh-agent that JCA verified").isEqualTo(ROUND_TRIPS);
            CommandResult r = run.loginThroughAgent(server, agent);
            assertThat(r.succeeded()).as(() -> LoginDiagnosis.explain(r)).isTrue();
        }
    }
}
