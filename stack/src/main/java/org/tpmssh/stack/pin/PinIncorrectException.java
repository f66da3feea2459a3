package org.tpmssh.stack.pin;

/** The TPM refused the PIN (TPM_RC_AUTH_FAIL or TPM_RC_BAD_AUTH); PKCS#11 calls this CKR_PIN_INCORRECT. */
public class PinIncorrectException extends PinException {
    private static final long serialVersionUID = 1L;

    public PinIncorrectException(String message) {
        super(message);
    }

    public PinIncorrectException(String message, Throwable cause) {
        super(message, cause);
    }
}
