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

/**
 * {@code ssh-keygen -Y sign} through our agent makes a signature that {@code ssh-keygen -Y verify} accepts with an
 * allowed-signers file holding the key from authorized_keys, and only that key.
 */
@DisplayName("SSH signatures with ssh-keygen -Y")
class SshSigRoundTripTest {

    @TpmMatrix(servers = Server.OPENSSH, clients = Client.SSH_AGENT, origins = Origin.CREATED)
    @DisplayName("ssh-keygen -Y sign through the agent verifies against the authorized key")
    void signThenVerifyWithTheAuthorizedKey(MatrixRun run) throws Exception {
        StackAdapter.Key key = run.key("tpmssh-sshsig");
        Path dir = run.workDir();
        Path data = Files.writeString(dir.resolve("release.txt"), "tpmssh release notes\n");
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            CommandResult sign = SshSig.sign(agent.socketPath(), key.authorizedKeysLine(), data, dir);
            assertThat(sign.succeeded()).as(() -> "the agent could not make an SSH signature: " + sign.describe())
                    .isTrue();
        }
        CommandResult verify = SshSig.verify(key.authorizedKeysLine(), data, dir);
        assertThat(verify.succeeded())
                .as(() -> "ssh-keygen -Y verify rejected the signature made through the agent: the key in"
                        + " authorized_keys did not make it\n" + verify.describe())
                .isTrue();
        assertThat(verify.stdout() + verify.stderr()).contains("Good \"" + SshSig.NAMESPACE + "\" signature");
    }
}
