package org.tpmssh.stack.ssh;

/** An {@link AgentKey} could not sign; the message says what failed and what to check, never what was signed. */
public class AgentSignException extends Exception {

    private final boolean deviceUnreachable;

    public AgentSignException(String message) {
        this(message, null, false);
    }

    public AgentSignException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * @param deviceUnreachable the device that holds the key (the TPM) could not be reached or gave no answer, so
     *     every key on it fails alike until it is back
     */
    public AgentSignException(String message, Throwable cause, boolean deviceUnreachable) {
        super(message, cause);
        this.deviceUnreachable = deviceUnreachable;
    }

    /** True when the key's device could not be reached or gave no answer, rather than refusing this signature. */
    public boolean deviceUnreachable() {
        return deviceUnreachable;
    }
}
