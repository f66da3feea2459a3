package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.SuiteTags;
import org.tpmssh.harness.stacks.JavaStack;

/**
 * The java stack's {@code ssh-pkcs11} row, so that {@code mvn verify} covers it while the client stays opt-in: our
 * tokens served by the p11-kit server to p11-kit-client.so, used by {@code ssh -I} (PIN through askpass, none for
 * PIN-less keys) against sshd and MINA and by {@code ssh-add -s} into OpenSSH's ssh-agent, and a wrong PIN and
 * lockout as ssh reports them.
 */
@DisplayName("The java stack logs in through p11-kit-client.so")
// Checks the suites themselves (it runs them through a nested Launcher), so it belongs to mvn verify,
// not to a conformance run, which would run the suites it drives twice.
@Tag(SuiteTags.SELF_CHECK)
class JavaSshPkcs11RowTest {

    @Test
    @DisplayName("ecc-p256 and rsa-2048, PIN and PIN-less: ssh -I to sshd and MINA, ssh-add -s, wrong PIN, lockout")
    void theJavaSshPkcs11RowPasses() {
        MatrixSlice slice = MatrixSlice.run(Map.of(
                Axis.STACK.property(), JavaStack.NAME,
                Axis.BACKEND.property(), Backend.SWTPM_TCP.label(),
                Axis.SERVER.property(), "openssh,mina",
                Axis.CLIENT.property(), Client.SSH_PKCS11.label(),
                Axis.KEY.property(), "ecc-p256,rsa-2048",
                Axis.ORIGIN.property(), "created,pinless"),
                LoginTest.class, SshAddModuleTest.class, WrongPinTest.class, LockoutTest.class);
        assertThat(slice.summary().getFailures()).as("failures of the java ssh-pkcs11 row:%n%s%n%s", slice.report(),
                slice.failures()).isEmpty();
        // Logins: 2 keys x 2 origins x 2 servers; ssh-add -s: 2 keys x 2 origins (sshd only); wrong PIN: 2 keys x
        // 2 servers (PIN keys only); lockout: 1. Imported keys are left to `tpmssh conformance --stack all`.
        assertThat(slice.summary().getTestsSucceededCount()).as("invocations that passed:%n%s", slice.report())
                .isEqualTo(8 + 4 + 4 + 1);
    }
}
