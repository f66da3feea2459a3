package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Origin;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;

/** Eight ssh clients at once share one agent and one TPM; every one of them gets in. */
@DisplayName("Parallel logins")
class ParallelLoginsTest {
    private static final int LOGINS = 8;

    @TpmMatrix(origins = Origin.CREATED)
    @DisplayName("8 parallel logins through one agent all succeed")
    void eightParallelLoginsSucceed(MatrixRun run) throws Exception {
        StackAdapter.Key key = run.key("tpmssh-parallel");
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        ExecutorService pool = Executors.newFixedThreadPool(LOGINS);
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            List<Future<CommandResult>> logins = new ArrayList<>();
            for (int i = 0; i < LOGINS; i++) {
                logins.add(pool.submit(() -> run.loginConcurrently(server, agent)));
            }
            for (int i = 0; i < LOGINS; i++) {
                CommandResult r = logins.get(i).get();
                int n = i + 1;
                assertThat(r.succeeded()).as(() -> "login " + n + " of " + LOGINS + ": " + LoginDiagnosis.explain(r))
                        .isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
