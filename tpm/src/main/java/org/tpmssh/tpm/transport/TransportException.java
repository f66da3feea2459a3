package org.tpmssh.tpm.transport;

import java.io.IOException;

/**
 * The TPM could not be reached, or what came back is not a well-formed response frame.
 * The message always says what to check next.
 */
public class TransportException extends IOException {

    public TransportException(String message) {
        super(message);
    }

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
