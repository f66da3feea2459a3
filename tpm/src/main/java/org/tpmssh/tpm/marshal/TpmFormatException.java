package org.tpmssh.tpm.marshal;

import org.tpmssh.tpm.TpmException;

/** A TPM response (or a stored TPM structure) does not parse: truncated, oversized or inconsistent. */
public class TpmFormatException extends TpmException {
    public TpmFormatException(String message) {
        super(message);
    }
}
