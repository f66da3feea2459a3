package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.harness.backends.Backends;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;

/** A key in the stack's token store logs in again after the TPM restarts on its saved state. */
@DisplayName("A stored key after a TPM restart")
class RestartTest {

    @TpmMatrix(backends = {Backend.SWTPM_TCP, Backend.SWTPM_UNIX, Backend.SWTPM_ABRMD}, clients = Client.SSH_AGENT,
            origins = {Origin.CREATED, Origin.PINLESS})
    @DisplayName("after a backend restart with persisted state, a stored key still logs in")
    void storedKeyLogsInAfterRestart(MatrixRun run) throws Exception {
        run.stack().elsewhere(run.backend()).ifPresent(why -> assumeTrue(false, "the run's swtpm restarts, and "
                + why));
        Path state = Files.createDirectories(run.workDir().resolve("tpm-state"));
        Path stacks = run.workDir().resolve("stacks");
        String authorized;
        StackAdapter.Stored stored;
        try (TpmBackend first = Backends.startWithState(run.combination().backend(), state, stacks)) {
            try (StackAdapter.Key key = run.stack().createKey(first, run.keyType(),
                    run.combination().pinless(), "tpmssh-restart")) {
                authorized = key.authorizedKeysLine();
                stored = key.stored();
            }
        }
        try (TpmBackend second = Backends.startWithState(run.combination().backend(), state, stacks);
                StackAdapter.Key key = run.stack().loadKey(second, stored)) {
            assertThat(key.authorizedKeysLine()).isEqualTo(authorized);
            SshServerUnderTest server = run.server(List.of(authorized));
            try (StackAdapter.Agent agent = run.stack().startAgent(run.workDir().resolve("agent/agent.sock"),
                    List.of(key), run.pin())) {
                CommandResult r = run.login(server, agent);
                assertThat(r.succeeded()).as(() -> LoginDiagnosis.explain(r)).isTrue();
            }
        }
    }
}
