package org.tpmssh.stack.ssh;

/**
 * An {@link AgentKey} could not produce a signature. The agent answers SSH_AGENT_FAILURE and
 * logs this message, so it should say what failed and what to check, never what was signed.
 */
public class AgentSignException extends Exception {

    public AgentSignException(String message) {
        super(message);
    }

    public AgentSignException(String message, Throwable cause) {
        super(message, cause);
    }
}
