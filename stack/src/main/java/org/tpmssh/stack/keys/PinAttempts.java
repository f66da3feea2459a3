package org.tpmssh.stack.keys;

import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;

/**
 * The one place a TPM authorization with a PIN-derived authValue is tried, and where the TPM's
 * refusal becomes a PIN error: a wrong authValue is an incorrect PIN, dictionary-attack lockout a locked one.
 */
public final class PinAttempts {

    /** A TPM command that authorizes with a PIN-derived authValue. */
    @FunctionalInterface
    public interface TpmCall<T> {
        T call() throws TpmException;
    }

    private PinAttempts() {
    }

    /**
     * Runs {@code call}; a refusal of its authorization comes back as a PIN error, anything else unchanged.
     *
     * @param whosePin names the PIN in messages, e.g. {@code the user PIN for token 'work'}; never the PIN
     * @throws PinLockedException the TPM is in dictionary-attack lockout (checked first: in lockout
     *     the TPM refuses even an empty authorization, so the call may fail elsewhere)
     * @throws PinIncorrectException the TPM refused the authValue and counted it toward lockout
     */
    public static <T> T attempt(String whosePin, TpmCall<T> call) throws PinException, TpmException {
        try {
            return call.call();
        } catch (TpmResponseException e) {
            if (e.is(ResponseCodes.LOCKOUT)) {
                throw new PinLockedException("the TPM is in dictionary-attack lockout and refuses every PIN for now;"
                        + " wait for its recovery time to pass, or have the TPM owner clear the lockout"
                        + " (tpm2_dictionarylockout --clear-lockout), then reset the user PIN with the SO PIN if it is"
                        + " forgotten", e);
            }
            if (e.is(ResponseCodes.AUTH_FAIL) || e.is(ResponseCodes.BAD_AUTH)) {
                throw new PinIncorrectException(whosePin + " is incorrect; each wrong PIN counts toward the TPM's"
                        + " dictionary-attack lockout", e);
            }
            throw e;
        }
    }
}
