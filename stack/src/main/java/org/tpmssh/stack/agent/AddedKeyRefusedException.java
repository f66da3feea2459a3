package org.tpmssh.stack.agent;

/** An {@link AddedKeyPolicy} will not hold a key; the agent logs the message and answers failure. */
public class AddedKeyRefusedException extends Exception {

    public AddedKeyRefusedException(String message) {
        super(message);
    }

    public AddedKeyRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
