package org.tpmssh.stack.pin;

/** The TPM is in dictionary-attack lockout (TPM_RC_LOCKOUT), so no PIN is tried; PKCS#11 calls this CKR_PIN_LOCKED. */
public class PinLockedException extends PinException {
    private static final long serialVersionUID = 1L;

    public PinLockedException(String message) {
        super(message);
    }

    public PinLockedException(String message, Throwable cause) {
        super(message, cause);
    }
}
