package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.harness.Backends;
import org.tpmssh.harness.LoginDiagnosis;
import org.tpmssh.harness.MatrixRun;
import org.tpmssh.harness.StackAdapter;
import org.tpmssh.harness.TpmBackend;
import org.tpmssh.harness.TpmMatrix;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;

/**
 * A key kept as its private blob and public area survives the TPM stopping and starting again on its state:
 * the SRK is re-derived from the same owner seed, so the blob loads and the key logs in.
 */
@DisplayName("A stored key after a TPM restart")
class RestartTest {

    @TpmMatrix(backends = {"swtpm-tcp", "swtpm-unix"}, origins = {"created", "pinless"})
    @DisplayName("after a backend restart with persisted state, a stored key still logs in")
    void storedKeyLogsInAfterRestart(MatrixRun run) throws Exception {
        Path state = Files.createDirectories(run.workDir().resolve("tpm-state"));
        String authorized;
        StackAdapter.Stored stored;
        try (TpmBackend first = Backends.startWithState(run.combination().backend(), state);
                StackAdapter.Key key = run.stack().createKey(first, run.combination().keyType(), run.pin(),
                        "tpmssh-restart")) {
            authorized = key.authorizedKeysLine();
            stored = key.stored().orElseThrow(() -> new AssertionError("the stack does not expose a stored key"));
        }
        try (TpmBackend second = Backends.startWithState(run.combination().backend(), state);
                StackAdapter.Key key = run.stack().loadKey(second, stored, run.pin())) {
            assertThat(key.authorizedKeysLine()).isEqualTo(authorized);
            SshServerUnderTest server = run.server(List.of(authorized));
            try (StackAdapter.Agent agent = run.stack().startAgent(run.workDir().resolve("agent.sock"),
                    List.of(key))) {
                CommandResult r = run.login(server, agent);
                assertThat(r.succeeded()).as(() -> LoginDiagnosis.explain(r)).isTrue();
            }
        }
    }
}
