package org.tpmssh.stack.tpm2pkcs11;

/**
 * Why a tpm2-pkcs11 store could not be read, as one sentence and a reason; never with attribute values, which
 * may hold wrapped auths.
 */
public final class Tpm2Pkcs11StoreException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, coarsely. */
    public enum Reason {
        /** No {@code tpm2_pkcs11.sqlite3} in the directory. */
        MISSING,
        /** The file is not an sqlite database, or lacks tpm2-pkcs11's tables. */
        NOT_A_STORE,
        /** A schema version this reader does not know. */
        UNSUPPORTED_SCHEMA,
        /** A row whose YAML or TPM blob does not parse. */
        MALFORMED
    }

    private final Reason reason;

    public Tpm2Pkcs11StoreException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Tpm2Pkcs11StoreException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
