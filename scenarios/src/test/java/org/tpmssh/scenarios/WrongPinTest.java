package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Origin;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.sessions.Session;

/**
 * An agent given the wrong PIN, or {@code ssh -I} whose askpass answers it, cannot log in with a PIN key, and the
 * TPM counts the failure; only on a TPM the run started.
 */
@DisplayName("A wrong PIN")
class WrongPinTest {
    /** tpmssh puts a wrong PIN to the TPM once per process (docs/SECURITY.md): each invocation brings its own. */
    private static final AtomicInteger WRONG_PINS = new AtomicInteger();

    @TpmMatrix(clients = {Client.SSH_AGENT, Client.SSH_PKCS11}, origins = {Origin.CREATED, Origin.IMPORTED})
    @DisplayName("a wrong PIN is refused and counted")
    void wrongPinIsRefusedAndCounted(MatrixRun run) throws Exception {
        assumeTrue(run.backend().owned(), "a wrong PIN would count against a TPM this run does not own");
        run.stack().elsewhere(run.backend()).ifPresent(why -> assumeTrue(false, "the DA counter is read on the"
                + " run's TPM, and " + why));
        StackAdapter.Key key = run.key("tpmssh-pin");
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        Tpm tpm = run.backend().tpm();
        // The run relaxes its own TPM to forget a failure after 1 s, which a slow login outlasts on a busy machine;
        // hold the count for the length of the check.
        DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), 1000, 1000, 1);
        try (StackAdapter.Agent agent = run.agent(List.of(key),
                ("000000-" + WRONG_PINS.incrementAndGet()).toCharArray())) {
            int before = GetCapability.property(tpm, GetCapability.PT_LOCKOUT_COUNTER);
            CommandResult r = run.login(server, agent);
            int after = GetCapability.property(tpm, GetCapability.PT_LOCKOUT_COUNTER);
            assertThat(r.succeeded()).as(() -> "a wrong PIN was accepted: the key signed although the PIN was"
                    + " wrong\n" + r.describe()).isFalse();
            assertThat(after).as("the TPM's DA failure counter after one wrong PIN").isGreaterThan(before);
            if (run.combination().client() == Client.SSH_PKCS11) {
                // OpenSSH words each CKR code of C_Login; CKR_PIN_INCORRECT is "PIN incorrect".
                assertThat(r.stderr()).as("what ssh -I said about the module's answer to C_Login")
                        .contains("PKCS#11 login failed: PIN incorrect");
            }
        } finally {
            DictionaryAttack.relaxForOwnSimulator(tpm);
        }
    }
}
