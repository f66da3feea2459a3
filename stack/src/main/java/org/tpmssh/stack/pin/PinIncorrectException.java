package org.tpmssh.stack.pin;

/** The TPM refused the PIN (TPM_RC_AUTH_FAIL or TPM_RC_BAD_AUTH); PKCS#11 calls this CKR_PIN_INCORRECT. */
public class PinIncorrectException extends PinException {
    private static final long serialVersionUID = 1L;

    private final boolean countedByTpm;

    /** A PIN refused without asking the TPM, e.g. an empty one. */
    public PinIncorrectException(String message) {
        this(message, null, false);
    }

    /** A refusal wrapping {@code cause}, not itself counted by the TPM. */
    public PinIncorrectException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * @param countedByTpm the TPM itself refused it just now, counting one failure toward dictionary-attack lockout
     */
    public PinIncorrectException(String message, Throwable cause, boolean countedByTpm) {
        super(message, cause);
        this.countedByTpm = countedByTpm;
    }

    /** True when this refusal cost a dictionary-attack try: the TPM judged the PIN now, not an earlier verdict. */
    public boolean countedByTpm() {
        return countedByTpm;
    }
}
