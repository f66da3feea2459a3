package org.tpmssh.stack.keys;

import java.nio.ByteBuffer;
import org.tpmssh.stack.pin.PinAlreadyRefusedException;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.objects.TpmObject;

/**
 * The one place a TPM authorization with a PIN-derived authValue is tried, and where the TPM's refusal becomes a
 * PIN error. A PIN the TPM refused for an object is never put to it again in this process: one wrong PIN costs one
 * dictionary-attack try, on every path (docs/SECURITY.md).
 */
public final class PinAttempts {

    /** A TPM command that authorizes with a PIN-derived authValue. */
    @FunctionalInterface
    public interface TpmCall<T> {
        T call() throws TpmException;
    }

    /** Far more refusals than any TPM allows before lockout; the oldest is forgotten first. */
    private static final RefusedPins REFUSED = new RefusedPins(4096);

    private PinAttempts() {
    }

    /**
     * Runs {@code call}, which authorizes use of {@code object} with {@code authValue}; a refusal of that
     * authorization comes back as a PIN error, anything else unchanged. An authValue the TPM refused for this
     * object before is refused at once, without asking the TPM.
     *
     * @param whosePin names the PIN in messages, e.g. {@code the user PIN for token 'work'}; never the PIN
     * @throws PinLockedException the TPM is in dictionary-attack lockout (checked first: in lockout
     *     the TPM refuses even an empty authorization, so the call may fail elsewhere); not remembered
     * @throws PinIncorrectException the TPM refused the authValue and counted it toward lockout
     * @throws PinAlreadyRefusedException the TPM refused this authValue for this object earlier
     */
    public static <T> T attempt(String whosePin, TpmObject object, byte[] authValue, TpmCall<T> call)
            throws PinException, TpmException {
        return attempt(whosePin, identity(object), authValue, call);
    }

    /** As the public form, for an object named by {@code target}. */
    static <T> T attempt(String whosePin, byte[] target, byte[] authValue, TpmCall<T> call)
            throws PinException, TpmException {
        byte[] tag = REFUSED.tag(target, authValue);
        // Held until the TPM has judged, so parallel callers with the same wrong PIN spend one try between them.
        synchronized (REFUSED.stripe(tag)) {
            if (REFUSED.contains(tag)) {
                throw new PinAlreadyRefusedException(whosePin + " is incorrect: the TPM refused this same PIN"
                        + " before, so it was not tried again (each try counts toward its dictionary-attack lockout)");
            }
            try {
                return call.call();
            } catch (TpmResponseException e) {
                if (e.is(ResponseCodes.LOCKOUT)) {
                    throw new PinLockedException("the TPM is in dictionary-attack lockout and refuses every PIN for"
                            + " now; wait for its recovery time to pass, or have the TPM owner clear the lockout"
                            + " (tpm2_dictionarylockout --clear-lockout), then reset the user PIN with the SO PIN if"
                            + " it is forgotten", e);
                }
                if (e.is(ResponseCodes.AUTH_FAIL) || e.is(ResponseCodes.BAD_AUTH)) {
                    REFUSED.add(tag);
                    throw new PinIncorrectException(whosePin + " is incorrect; each wrong PIN counts toward the"
                            + " TPM's dictionary-attack lockout", e, true);
                }
                throw e;
            }
        }
    }

    /**
     * What the TPM judges an authValue against: the object's Name and its private blob, which carries the
     * authValue (a re-sealed token, or a key given a new authValue, is a new blob and a new question).
     */
    private static byte[] identity(TpmObject object) {
        byte[] name = object.name();
        byte[] blob = object.privateBlob().orElse(new byte[0]);
        return ByteBuffer.allocate(4 + name.length + blob.length).putInt(name.length).put(name).put(blob).array();
    }

    /** The memory itself, for tests. */
    static RefusedPins refused() {
        return REFUSED;
    }
}
