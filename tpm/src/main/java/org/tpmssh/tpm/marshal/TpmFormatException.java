package org.tpmssh.tpm.marshal;

/** A TPM response (or a stored TPM structure) does not parse: truncated, oversized or inconsistent. */
public class TpmFormatException extends RuntimeException {
    public TpmFormatException(String message) {
        super(message);
    }
}
