package org.tpmssh.stack.pin;

import java.io.IOException;

/** A PIN or passphrase file that other users may read or change; the message names the file and the fix. */
public final class ExposedSecretFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public ExposedSecretFileException(String message) {
        super(message);
    }
}
