package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.harness.latency.Baselines;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.sshserver.CommandResult;

/**
 * Measures the baselines beside each combination's latencies in the same run: raw TPM2_Sign, and a login with a
 * software key.
 */
@DisplayName("Latency baselines")
class LatencyBaselinesTest {
    private static final int SIGNS = 20;
    private static final int LOGINS = 3;

    /** Every origin, so each combination's latencies have a baseline of their own server, client and key type. */
    @TpmMatrix
    @DisplayName("raw TPM2_Sign and a file-key login are measured on the same backend and server")
    void baselines(MatrixRun run) throws Exception {
        assertThat(Baselines.rawTpmSign(run.backend(), run.keyType(), SIGNS, run.combination().id()))
                .as("JCA verifies the raw TPM2_Sign signature").isTrue();
        CommandResult login = Baselines.fileKeyLogin(run.server(List.of()), run.workDir(),
                run.combination().client(), LOGINS, run.combination().id());
        assertThat(login.succeeded()).as(login::describe).isTrue();
    }
}
