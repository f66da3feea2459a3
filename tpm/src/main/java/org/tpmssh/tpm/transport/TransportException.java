package org.tpmssh.tpm.transport;

import java.io.IOException;

/**
 * The TPM could not be reached, or what came back is not a well-formed response frame.
 * The message always says what to check next; {@link #reason()} says which case it is, for callers that act on it.
 */
public class TransportException extends IOException {

    /** What went wrong, as a caller (an exit code, a retry decision) needs to know it. */
    public enum Reason {
        /** Nothing listens at the address, or the unix socket does not exist. */
        REFUSED,
        /** The host name does not resolve. */
        UNKNOWN_HOST,
        /** The device file does not exist. */
        NO_DEVICE,
        /** The path exists but is not a TPM character device; nothing was written to it. */
        NOT_A_TPM,
        /** The operating system refused access (permissions, or /dev/tpm0 held by another process). */
        DENIED,
        /** The TPM is alive but serving another client (swtpm and tpm_server serve one at a time). */
        BUSY,
        /** No answer within the bound: the TPM is frozen, hung or far slower than any real chip. */
        TIMEOUT,
        /** The connection dropped (EOF, broken pipe, reset); the next request opens a new one. */
        LOST,
        /** A native library (the TCTI loader or one of its modules) is not installed. */
        NO_MODULE,
        /** What came back is not a TPM response frame. */
        MALFORMED,
        /** Anything else; the message says what. */
        OTHER
    }

    private final Reason reason;

    public TransportException(String message) {
        this(Reason.OTHER, message);
    }

    public TransportException(String message, Throwable cause) {
        this(Reason.OTHER, message, cause);
    }

    public TransportException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public TransportException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
