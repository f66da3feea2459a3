package org.tpmssh.tpm.transport;

/** A TCTI string that does not parse; the message quotes it and shows the expected form. */
public class TctiException extends IllegalArgumentException {

    public TctiException(String message) {
        super(message);
    }
}
