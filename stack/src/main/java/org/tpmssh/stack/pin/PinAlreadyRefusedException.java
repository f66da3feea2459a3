package org.tpmssh.stack.pin;

/**
 * A PIN the TPM refused before in this process, refused again without asking it, so that one wrong PIN costs one
 * dictionary-attack try however often it is offered (docs/SECURITY.md).
 */
public final class PinAlreadyRefusedException extends PinIncorrectException {
    private static final long serialVersionUID = 1L;

    public PinAlreadyRefusedException(String message) {
        super(message, null, false);
    }
}
