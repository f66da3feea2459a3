package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.harness.latency.AgentRoundTrip;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.ssh.AgentKey;

/**
 * A user logs in with a key in the TPM, created, imported (keeping its fingerprint) or PIN-less; the real server's
 * acceptance is the oracle.
 */
@DisplayName("Login with a TPM key")
class LoginTest {
    /** Sequential logins, each a LOGIN latency sample; the first failure ends the test. */
    private static final int LOGINS = 3;
    private static final int ROUND_TRIPS = 5;

    @TpmMatrix(clients = {Client.SSH_AGENT, Client.MINA_JCA, Client.SSH_PKCS11})
    @DisplayName("ssh logs in with a TPM key")
    void sshLogsInWithTheTpmKey(MatrixRun run) throws Exception {
        StackAdapter.Key key = run.key("tpmssh-login");
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            for (int i = 0; i < LOGINS; i++) {
                CommandResult r = run.login(server, agent);
                assertThat(r.succeeded()).as(() -> LoginDiagnosis.explain(r)).isTrue();
                assertTheTpmSigned(run, key);
            }
            if (run.combination().client() == Client.SSH_AGENT) {
                assertThat(AgentRoundTrip.measure(agent.socketPath(), key.publicKeyBlob(),
                        AgentKey.SSH_AGENT_RSA_SHA2_256, ROUND_TRIPS, run.combination().id()))
                        .as("agent sign responses that JCA verified").isEqualTo(ROUND_TRIPS);
            }
        }
        Optional<Path> original = run.originalKeyFile(key);
        if (original.isPresent()) {
            Path pub = Files.writeString(run.workDir().resolve("imported.pub"), key.authorizedKeysLine() + "\n");
            assertThat(fingerprint(pub)).as("fingerprint of the imported key, by ssh-keygen -lf")
                    .isEqualTo(fingerprint(Path.of(original.get() + ".pub")));
        }
    }

    /**
     * Where a wire proxy is in the path: the last login's signature came from the TPM, because a successful
     * TPM2_Sign with the key (for tpm2-pkcs11's RSA keys, TPM2_RSA_Decrypt) crossed the wire during it. A stack that signs with a software copy of the key logs
     * in just as well and fails here.
     */
    static void assertTheTpmSigned(MatrixRun run, StackAdapter.Key key) throws Exception {
        OptionalInt signs = run.tpmSignsInLastLogin(key);
        assertThat(signs).as("the TPM signed the login: TPM2_Sign (or tpm2-pkcs11's RSA_Decrypt) commands with"
                + " the key on the wire during it (empty: no wire proxy in the path)")
                .isNotEqualTo(OptionalInt.of(0));
    }

    private static String fingerprint(Path publicKeyFile) throws Exception {
        CommandResult r = CommandRunner.run(List.of("ssh-keygen", "-lf", publicKeyFile.toString()), Map.of(),
                Duration.ofSeconds(30));
        assertThat(r.succeeded()).as(r::describe).isTrue();
        return r.stdout().trim().split("\\s+")[1];
    }
}
