package org.tpmssh.tpm;

/** Something went wrong talking to the TPM; the message says what, and what to do next. */
public class TpmException extends Exception {
    public TpmException(String message) {
        super(message);
    }

    public TpmException(String message, Throwable cause) {
        super(message, cause);
    }
}
