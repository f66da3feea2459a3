package org.tpmssh.stack.store;

import java.nio.file.Path;
import java.util.Arrays;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * Why the TPM refused to load one of a token's blobs. A token records the Name of the storage key
 * it was made under; when that Name is this TPM's, the TPM would load a sound blob, so a refusal
 * means the blob in the file is damaged. Otherwise the blob may as well come from another TPM.
 */
final class LoadRefusal {
    private static final int FORMAT_ONE = 0x080;

    private LoadRefusal() {
    }

    /** True when {@code e} is the TPM refusing TPM2_Load (or ContextLoad) of an object. */
    static boolean isLoadFailure(TpmResponseException e) {
        return e.commandCode() == CommandCode.LOAD || e.commandCode() == CommandCode.CONTEXT_LOAD;
    }

    /**
     * True when the TPM refused to load the blob itself (a format-one code such as TPM_RC_INTEGRITY),
     * not for want of room, in lockout or for another passing reason.
     */
    static boolean refusesBlob(TpmResponseException e) {
        return isLoadFailure(e) && (e.baseCode() & FORMAT_ONE) != 0;
    }

    /** True when the TPM refused a blob of {@code token}, which was made under the storage key named {@code srkName}. */
    static boolean damagedHere(TpmResponseException e, TokenRecord token, byte[] srkName) {
        return token != null && token.parentName() != null && Arrays.equals(token.parentName(), srkName)
                && refusesBlob(e);
    }

    /**
     * The one sentence for a blob of {@code what} (e.g. "key 'k' of token 't'") kept in {@code file}
     * that the TPM refused to load.
     */
    static StoreException explain(TpmResponseException e, TokenRecord token, byte[] srkName, String what, Path file) {
        if (damagedHere(e, token, srkName)) {
            return new StoreException(what + " is damaged: this TPM made it, yet refuses its private blob in " + file
                    + " (" + e.rcName() + "). The file was left as it is; `tpmssh token check` says what can be"
                    + " recovered", e);
        }
        return new StoreException(what + " cannot be loaded into this TPM (" + e.rcName() + "): it was made by"
                + " another TPM, or this TPM was cleared or uses another storage key, or " + file + " is damaged."
                + " A token works only on the TPM that created it", e);
    }
}
