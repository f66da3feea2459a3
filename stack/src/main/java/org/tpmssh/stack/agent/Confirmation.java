package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.io.IOException;
import java.lang.System.Logger.Level;
import org.tpmssh.stack.pinentry.Askpass;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshPublicKeys;

/** Asks a person, through askpass, to allow each use of a key added with {@code ssh-add -c}. */
final class Confirmation {

    private final Askpass askpass;

    Confirmation(Askpass askpass) {
        this.askpass = askpass;
    }

    /** True only when askpass ran and the person said yes; every other outcome is logged. */
    boolean allowed(AgentKey key) {
        if (!askpass.available()) {
            LOG.log(Level.WARNING, "agent: key \"{0}\" was added with confirmation (ssh-add -c) but no askpass"
                    + " is available; refusing. Set SSH_ASKPASS (with DISPLAY or SSH_ASKPASS_REQUIRE=force)",
                    key.comment());
            return false;
        }
        String prompt = "Allow use of key " + key.comment() + "?\nKey fingerprint "
                + SshPublicKeys.fingerprint(key.publicKeyBlob()) + ".";
        try {
            if (askpass.confirm(prompt)) {
                return true;
            }
            LOG.log(Level.INFO, "agent: use of key \"{0}\" was not confirmed", key.comment());
        } catch (IOException e) {
            LOG.log(Level.WARNING, "agent: askpass failed: {0}", e.getMessage());
        }
        return false;
    }
}
