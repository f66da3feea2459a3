package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;

/** A TPM key the server does not list gets no login, even though it signs perfectly well. */
@DisplayName("A key not in authorized_keys")
class UnauthorizedKeyTest {

    @TpmMatrix(origins = Origin.CREATED)
    @DisplayName("a TPM key that is not in authorized_keys is refused")
    void keyAbsentFromAuthorizedKeysIsRefused(MatrixRun run) throws Exception {
        StackAdapter.Key listed = run.key("tpmssh-listed");
        StackAdapter.Key stranger = run.key("tpmssh-stranger");
        SshServerUnderTest server = run.server(List.of(listed.authorizedKeysLine()));
        try (StackAdapter.Agent agent = run.agent(List.of(stranger))) {
            CommandResult r = run.login(server, agent);
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(255);
            if (run.combination().client() == Client.MINA_JCA) {
                assertThat(r.stderr()).as(r.describe()).containsIgnoringCase("auth");
            } else {
                assertThat(r.stderr()).contains("Permission denied").doesNotContain("Server accepts key");
            }
        }
    }
}
