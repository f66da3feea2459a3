package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/** {@code ssh-keygen -Y sign} through our agent makes a signature that {@code -Y check-novalidate} accepts. */
@DisplayName("SSH signatures with ssh-keygen -Y")
class SshSigRoundTripTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TpmMatrix(servers = Server.OPENSSH, clients = Client.SSH_AGENT, origins = Origin.CREATED)
    @DisplayName("ssh-keygen -Y sign through the agent verifies with check-novalidate")
    void signThenCheckNovalidate(MatrixRun run) throws Exception {
        StackAdapter.Key key = run.key("tpmssh-sshsig");
        Path dir = run.workDir();
        Path pub = Files.writeString(dir.resolve("key.pub"), key.authorizedKeysLine() + "\n");
        Path data = Files.writeString(dir.resolve("release.txt"), "tpmssh release notes\n");
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            Map<String, String> env = Map.of("SSH_AUTH_SOCK", agent.socketPath().toString());
            CommandResult sign = CommandRunner.run(List.of("ssh-keygen", "-Y", "sign", "-f", pub.toString(), "-n", "file",
                    data.toString()), env, TIMEOUT);
            assertThat(sign.succeeded()).as(() -> "the agent could not make an SSH signature: " + sign.describe())
                    .isTrue();
        }
        Path sig = dir.resolve("release.txt.sig");
        CommandResult check = CommandRunner.run(List.of("ssh-keygen", "-Y", "check-novalidate", "-n", "file", "-s",
                sig.toString()), Map.of(), TIMEOUT, data);
        assertThat(check.succeeded())
                .as(() -> "ssh-keygen -Y check-novalidate rejected the signature made through the agent: "
                        + check.describe())
                .isTrue();
        assertThat(check.stdout() + check.stderr()).contains("Good");
    }
}
