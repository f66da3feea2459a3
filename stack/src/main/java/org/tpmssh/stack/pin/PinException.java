package org.tpmssh.stack.pin;

/**
 * Something about a PIN stopped an operation; the message is for the user and never holds the PIN, an
 * authValue or key material.
 */
public class PinException extends Exception {
    private static final long serialVersionUID = 1L;

    public PinException(String message) {
        super(message);
    }

    public PinException(String message, Throwable cause) {
        super(message, cause);
    }
}
