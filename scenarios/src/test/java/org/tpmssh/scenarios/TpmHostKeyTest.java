package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.AgentHostKey;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.MinaSshServer;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.sshserver.SshServerUnderTest;

/**
 * The server's host key is a TPM key: a client trusting it logs in, and one trusting another key refuses the server.
 */
@DisplayName("The host key comes from the TPM")
class TpmHostKeyTest {

    @TpmMatrix(origins = Origin.CREATED)
    @DisplayName("a client trusting the TPM host key logs in, one trusting another key refuses")
    void hostKeyComesFromTheTpm(MatrixRun run) throws Exception {
        StackAdapter.Key hostKey = run.key("tpmssh-host");
        StackAdapter.Key userKey = run.key("tpmssh-user");
        Path dir = run.workDir().resolve("server");
        List<String> authorized = List.of(userKey.authorizedKeysLine());
        String hostLine = typeAndKey(hostKey.authorizedKeysLine());
        StackAdapter.Agent hostAgent = null;
        SshServerUnderTest server;
        if (run.combination().server() == Server.OPENSSH) {
            hostAgent = run.agent(List.of(hostKey));
            server = OpenSshServer.start(dir, authorized, new AgentHostKey(hostLine, hostAgent.socketPath()));
        } else {
            server = MinaSshServer.start(dir, authorized, KeyPairProvider.wrap(hostKey.keyPair(run.pin())));
        }
        try (server; StackAdapter.Agent userAgent = run.agent(List.of(userKey))) {
            assertThat(server.hostPublicKeyLine()).as("the host key the server announces").isEqualTo(hostLine);
            String host = "[" + server.host() + "]:" + server.port() + " ";

            CommandResult trusted = run.login(server, userAgent, null, List.of(host + hostLine), false);
            assertThat(trusted.succeeded()).as(() -> "a client trusting the TPM host key: "
                    + LoginDiagnosis.explain(trusted)).isTrue();

            CommandResult other = run.login(server, userAgent, null,
                    List.of(host + typeAndKey(userKey.authorizedKeysLine())), false);
            assertThat(other.exitCode()).as(() -> "a client trusting another host key must refuse the server: "
                    + other.describe()).isEqualTo(255);
            if (run.combination().client() != Client.MINA_JCA) {
                assertThat(other.stderr()).contains("REMOTE HOST IDENTIFICATION HAS CHANGED");
            }
        } finally {
            if (hostAgent != null) {
                hostAgent.close();
            }
        }
    }

    private static String typeAndKey(String authorizedKeysLine) {
        String[] parts = authorizedKeysLine.trim().split("\\s+");
        return parts[0] + " " + parts[1];
    }
}
