package org.tpmssh.stack.pin;

/** A key needs a PIN and no PIN source (askpass, PIN file, TPMSSH_PIN, cache) could supply one. */
public class PinRequiredException extends PinException {
    private static final long serialVersionUID = 1L;

    public PinRequiredException(String message) {
        super(message);
    }
}
