package org.tpmssh.stack.agent;

import java.io.IOException;
import org.tpmssh.stack.ssh.PinProtectedKey;

/**
 * One place a PIN can come from: SSH_ASKPASS, a PIN file, the TPMSSH_PIN variable. The agent
 * asks its sources in order and takes the first answer.
 */
public interface PinSource {

    /**
     * @param scope the {@link PinProtectedKey#pinScope()} that needs a PIN
     * @param prompt what to show a person, naming the key and the scope
     * @return a fresh array the caller wipes, or {@code null} when this source has nothing to give
     * @throws IOException the source exists but failed (unreadable file, askpass crashed)
     */
    char[] pin(String scope, String prompt) throws IOException;

    /** Said in the log when no source answered: how to make this source work, e.g. "set TPMSSH_PIN". */
    String howToProvide();
}
