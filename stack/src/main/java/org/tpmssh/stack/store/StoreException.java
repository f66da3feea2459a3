package org.tpmssh.stack.store;

/** The token store cannot do what was asked: a missing or malformed file, a name in use, an I/O failure. */
public class StoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
