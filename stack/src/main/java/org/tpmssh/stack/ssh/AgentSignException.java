package org.tpmssh.stack.ssh;

/** An {@link AgentKey} could not sign; the message says what failed and what to check, never what was signed. */
public class AgentSignException extends Exception {

    public AgentSignException(String message) {
        super(message);
    }

    public AgentSignException(String message, Throwable cause) {
        super(message, cause);
    }
}
