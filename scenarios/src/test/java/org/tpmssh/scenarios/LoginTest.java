package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.harness.LoginDiagnosis;
import org.tpmssh.harness.MatrixRun;
import org.tpmssh.harness.StackAdapter;
import org.tpmssh.harness.TpmMatrix;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;

/** A user logs in with a key in the TPM, through our agent; the real server's acceptance is the oracle. */
@DisplayName("Login with a TPM key")
class LoginTest {

    @TpmMatrix
    @DisplayName("ssh logs in with a TPM key")
    void sshLogsInWithTheTpmKey(MatrixRun run) throws Exception {
        StackAdapter.Key key = run.key("tpmssh-login");
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            CommandResult r = run.login(server, agent);
            assertThat(r.succeeded()).as(() -> LoginDiagnosis.explain(r)).isTrue();
        }
    }
}
