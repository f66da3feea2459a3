package org.tpmssh.stack.keys;

import java.io.IOException;

/**
 * A private key file that could not be read, with one sentence that says what to do and never key bytes or a
 * passphrase.
 */
public class KeyFileException extends IOException {

    /** What went wrong, for callers that react differently (e.g. ask again for a passphrase). */
    public enum Reason {
        MISSING, NOT_A_KEY_FILE, MALFORMED, PASSPHRASE_REQUIRED, WRONG_PASSPHRASE
    }

    private final Reason reason;

    public KeyFileException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
