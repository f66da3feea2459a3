package org.tpmssh.stack.socket;

import java.io.IOException;

/**
 * A private unix socket could not be made safely: the path is too long, already taken, or its
 * directory or the socket itself would be open to other users.
 */
public class PrivateSocketException extends IOException {
    private static final long serialVersionUID = 1L;

    public PrivateSocketException(String message) {
        super(message);
    }

    public PrivateSocketException(String message, Throwable cause) {
        super(message, cause);
    }
}
