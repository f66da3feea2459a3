package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.KeyAlgorithm;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.sessions.Session;

/**
 * After too many wrong PINs the TPM locks out, and the stack says so instead of "wrong PIN" again, in process and to
 * {@code ssh -I} through the stack's PKCS#11 module; only on a TPM the run started.
 */
@DisplayName("Dictionary-attack lockout")
class LockoutTest {
    private static final int PT_PERMANENT = 0x200;
    private static final int IN_LOCKOUT = 1 << 9;

    @TpmMatrix(keys = KeyAlgorithm.ECC_P256, origins = Origin.CREATED, servers = Server.OPENSSH,
            clients = Client.SSH_AGENT)
    @DisplayName("lockout is reported after too many wrong PINs")
    void lockoutIsReported(MatrixRun run) throws Exception {
        assumeLockoutApplies(run);
        var tpm = run.backend().tpm();
        StackAdapter.Key key = run.key("tpmssh-lockout");
        // Two failures lock out, and only a reset (below) ends it within the test.
        DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), 2, 1000, 1);
        try {
            byte[] data = "session id and userauth request".getBytes();
            // Two different wrong PINs: tpmssh puts each wrong PIN to the TPM only once (docs/SECURITY.md).
            String[] wrongPins = {"lockout-wrong-1", "lockout-wrong-2"};
            for (int i = 0; i < wrongPins.length; i++) {
                String pin = wrongPins[i];
                Throwable wrong = catchThrowable(() -> key.sign(data, AgentKey.SSH_AGENT_RSA_SHA2_256,
                        pin.toCharArray()));
                // Our stack throws its own type; a PKCS#11 stack says CKR_PIN_INCORRECT.
                assertThat(wrong).as("wrong PIN %d of 2: a wrong PIN was accepted unless the stack says the PIN is"
                        + " incorrect", i + 1).satisfiesAnyOf(
                        t -> assertThat(t).isInstanceOf(PinIncorrectException.class).hasMessageContaining("incorrect"),
                        t -> assertThat(t).isNotNull().hasMessageContaining("CKR_PIN_INCORRECT"));
            }
            assertThat(GetCapability.property(tpm, PT_PERMANENT) & IN_LOCKOUT).as("TPMA_PERMANENT.inLockout")
                    .isNotZero();
            // Our stack says "lockout"; a PKCS#11 stack says CKR_PIN_LOCKED rather than CKR_PIN_INCORRECT again.
            Throwable locked = catchThrowable(() -> key.sign(data, AgentKey.SSH_AGENT_RSA_SHA2_256, run.pin()));
            assertThat(locked).as("the right PIN during lockout: the DA lockout was not surfaced unless the stack"
                    + " says lockout").satisfiesAnyOf(
                    t -> assertThat(t).isInstanceOf(PinLockedException.class).hasMessageContaining("lockout"),
                    t -> assertThat(t).isNotNull().hasMessageContaining("CKR_PIN_LOCKED"));
        } finally {
            DictionaryAttack.lockReset(tpm, AuthHandle.lockout(null, Session.password()));
            DictionaryAttack.relaxForOwnSimulator(tpm);
        }
    }

    @TpmMatrix(keys = KeyAlgorithm.ECC_P256, origins = Origin.CREATED, servers = Server.OPENSSH,
            clients = Client.SSH_PKCS11)
    @DisplayName("ssh -I is told the PIN is locked after too many wrong PINs")
    void lockoutIsReportedToSshThroughTheModule(MatrixRun run) throws Exception {
        assumeLockoutApplies(run);
        var tpm = run.backend().tpm();
        StackAdapter.Key key = run.key("tpmssh-lockout");
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), 2, 1000, 1);
        try {
            // Two different wrong PINs: tpmssh puts each wrong PIN to the TPM only once (docs/SECURITY.md), and
            // not those of lockoutIsReported, which may have run on the same token in this JVM.
            for (String pin : new String[] {"lockout-ssh-wrong-1", "lockout-ssh-wrong-2"}) {
                try (StackAdapter.Agent wrong = run.agent(List.of(key), pin.toCharArray())) {
                    CommandResult r = run.login(server, wrong);
                    assertThat(r.succeeded()).as(() -> "a wrong PIN was accepted:\n" + r.describe()).isFalse();
                }
            }
            assertThat(GetCapability.property(tpm, PT_PERMANENT) & IN_LOCKOUT).as("TPMA_PERMANENT.inLockout")
                    .isNotZero();
            try (StackAdapter.Agent right = run.agent(List.of(key))) {
                CommandResult r = run.login(server, right);
                assertThat(r.succeeded()).as(() -> "logged in during lockout:\n" + r.describe()).isFalse();
                // OpenSSH words CKR_PIN_LOCKED from C_Login as "PIN locked" (CKR_PIN_INCORRECT: "PIN incorrect").
                assertThat(r.stderr()).as("what ssh -I said with the right PIN during lockout")
                        .contains("PKCS#11 login failed: PIN locked");
            }
        } finally {
            DictionaryAttack.lockReset(tpm, AuthHandle.lockout(null, Session.password()));
            DictionaryAttack.relaxForOwnSimulator(tpm);
        }
    }

    private static void assumeLockoutApplies(MatrixRun run) {
        assumeTrue(run.backend().owned(), "locking out a TPM this run does not own is never allowed");
        run.stack().elsewhere(run.backend()).ifPresent(why -> assumeTrue(false, "lockout is read on the run's TPM,"
                + " and " + why));
    }
}
