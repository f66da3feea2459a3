package org.tpmssh.emulators;

/** A TPM backend could not be started or stopped; the message includes what its log said. */
public class EmulatorException extends RuntimeException {

    public EmulatorException(String message) {
        super(message);
    }

    public EmulatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
