package org.tpmssh.stack.pinentry;

import java.io.IOException;

/** One place a PIN can come from (SSH_ASKPASS, a PIN file, TPMSSH_PIN); a {@link PinResolver} asks them in order. */
public interface PinSource {

    /**
     * @param scope whose PIN is needed, usually a token
     * @param prompt what to show a person, naming the key and the scope
     * @return a fresh array the caller wipes, or {@code null} when this source has nothing to give
     * @throws IOException the source exists but failed (unreadable file, askpass crashed)
     */
    char[] pin(String scope, String prompt) throws IOException;

    /** Names this source in the log, e.g. {@code the PIN file /home/u/pin}; never anything secret. */
    default String name() {
        return "a PIN source";
    }

    /** Said in the log when no source answered: how to make this source work, e.g. "set TPMSSH_PIN". */
    String howToProvide();
}
