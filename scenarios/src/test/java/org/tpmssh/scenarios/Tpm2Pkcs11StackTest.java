package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.SuiteTags;
import org.tpmssh.harness.tpm2pkcs11.Tpm2Pkcs11Stack;

/**
 * The system tpm2-pkcs11 row of the matrix, so that {@code mvn verify} covers it without adding the stack to
 * every scenario's default run: the login scenario with tpm2_ptool keys (ECC P-256 and RSA-2048, PIN and
 * PIN-less) through {@code ssh-add -s} into ssh-agent, {@code ssh -I}, and the MINA
 * client on SunPKCS11, against OpenSSH sshd and MINA SSHD, on swtpm behind tpm2-abrmd.
 */
@DisplayName("The system tpm2-pkcs11 stack logs in")
// Checks the suites themselves (it runs them through a nested Launcher), so it belongs to mvn verify,
// not to a conformance run, which would run the suites it drives twice.
@Tag(SuiteTags.SELF_CHECK)
class Tpm2Pkcs11StackTest {

    @Test
    @DisplayName("ecc-p256 and rsa-2048, PIN and PIN-less, via ssh-add -s, ssh -I and SunPKCS11, to sshd and MINA")
    void theTpm2Pkcs11RowPasses() {
        MatrixSlice slice = MatrixSlice.run(Map.of(
                Axis.STACK.property(), Tpm2Pkcs11Stack.NAME,
                Axis.BACKEND.property(), Backend.SWTPM_TCP.label(),
                Axis.SERVER.property(), "openssh,mina",
                Axis.CLIENT.property(), "ssh-agent,ssh-pkcs11,mina-jca",
                Axis.KEY.property(), "ecc-p256,rsa-2048",
                Axis.ORIGIN.property(), "created,pinless"), LoginTest.class);
        assertThat(slice.summary().getFailures()).as("failures of the tpm2-pkcs11 row:%n%s%n%s", slice.report(),
                slice.failures()).isEmpty();
        // 2 keys x 2 origins x 2 servers x 3 clients, on swtpm-tcp. Imported keys (tpm2_ptool import of an
        // ssh-keygen file) pass too but are left to `tpmssh conformance --stack tpm2-pkcs11`: 12 more logins
        // would cost mvn verify about 35 s.
        assertThat(slice.summary().getTestsSucceededCount()).as("logins that passed:%n%s", slice.report())
                .isEqualTo(24);
    }
}
