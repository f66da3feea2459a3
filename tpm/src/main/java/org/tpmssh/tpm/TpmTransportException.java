package org.tpmssh.tpm;

import org.tpmssh.tpm.transport.TransportException;

/**
 * The TPM could not be reached or gave no usable answer: busy, refused, missing, frozen, or the connection
 * dropped. The message is the transport's one sentence; {@link #reason()} says which case it is.
 */
public class TpmTransportException extends TpmException {
    private final TransportException.Reason reason;

    public TpmTransportException(TransportException cause) {
        super(cause.getMessage(), cause);
        this.reason = cause.reason();
    }

    public TransportException.Reason reason() {
        return reason;
    }
}
