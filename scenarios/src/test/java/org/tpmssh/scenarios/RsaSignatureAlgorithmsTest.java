package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.KeyAlgorithm;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;

/**
 * An RSA key in the TPM signs with whichever of rsa-sha2-256 and rsa-sha2-512 the client forces, so neither is
 * silently replaced by the other.
 */
@DisplayName("RSA signature algorithms")
class RsaSignatureAlgorithmsTest {

    @TpmMatrix(keys = {KeyAlgorithm.RSA_2048, KeyAlgorithm.RSA_3072}, origins = Origin.CREATED)
    @DisplayName("rsa-sha2-256 is negotiated when the client forces it")
    void rsaSha2With256(MatrixRun run) throws Exception {
        loginWith(run, "rsa-sha2-256");
    }

    @TpmMatrix(keys = {KeyAlgorithm.RSA_2048, KeyAlgorithm.RSA_3072}, origins = Origin.CREATED)
    @DisplayName("rsa-sha2-512 is negotiated when the client forces it")
    void rsaSha2With512(MatrixRun run) throws Exception {
        loginWith(run, "rsa-sha2-512");
    }

    private static void loginWith(MatrixRun run, String algorithm) throws Exception {
        StackAdapter.Key key = run.key("tpmssh-" + algorithm);
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        boolean openssh = run.combination().server() == Server.OPENSSH;
        long logBefore = openssh ? Files.size(run.sshdLog()) : 0;
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            CommandResult r = run.loginWithAlgorithm(server, agent, algorithm);
            assertThat(r.succeeded()).as(() -> algorithm + " signature did not verify: "
                    + LoginDiagnosis.explain(r)).isTrue();
            LoginTest.assertTheTpmSigned(run, key);
        }
        if (openssh) {
            String log = new String(Files.readAllBytes(run.sshdLog())).substring((int) logBefore);
            // sshd's auth2-pubkey.c logs "have <alg> signature for <key>" before it verifies.
            assertThat(log).as("sshd log after the login").contains("have " + algorithm + " signature");
        }
    }
}
