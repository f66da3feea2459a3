package org.tpmssh.harness.matrix;

import org.tpmssh.harness.stacks.Pkcs11ModuleAgent;
import org.tpmssh.sshserver.CommandResult;

/**
 * Says why a login failed, from what the client printed, in the words a user needs: the key was not offered, the
 * agent refused, or the server rejected a signature.
 */
public final class LoginDiagnosis {
    private LoginDiagnosis() {
    }

    public static String explain(CommandResult r) {
        String err = r.stderr();
        String why;
        if (err.startsWith("the stack refused to unlock the key")) {
            why = "the MINA client got no key: the stack refused to unlock it";
        } else if (err.startsWith("MINA client:")) {
            why = "the MINA client could not log in (its error is below)";
        } else if (err.startsWith(Pkcs11ModuleAgent.ASKED_FOR_NO_PIN)) {
            why = "ssh asked for a PIN for a PIN-less key: the token requires a login it should not";
        } else if (err.startsWith(Pkcs11ModuleAgent.NEVER_ASKED_FOR_PIN)) {
            why = "a PIN key signed without its PIN: the token does not require a login";
        } else if (err.contains("PKCS#11 login failed")) {
            why = "the PKCS#11 module refused the login (C_Login), as ssh says below";
        } else if (err.contains("agent refused operation") || err.contains("signing failed")) {
            why = "the agent refused to sign (see the agent's log)";
        } else if (err.contains("Server accepts key")) {
            why = "signature did not verify with the key in authorized_keys: sshd accepted the offered public key,"
                    + " then rejected the signature made with it";
        } else if (err.contains("Offering public key")) {
            why = "the server did not accept the offered public key: it is not in authorized_keys";
        } else if (err.contains("Permission denied")) {
            why = "the server refused every key the agent offered";
        } else {
            why = "ssh failed before authentication";
        }
        return why + "\n" + r.describe();
    }
}
