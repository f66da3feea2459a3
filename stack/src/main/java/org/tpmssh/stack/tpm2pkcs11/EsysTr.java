package org.tpmssh.stack.tpm2pkcs11;

import java.util.Arrays;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * tpm2-tss's serialized ESYS_TR, as tpm2-pkcs11 stores a persistent primary; read to name the key its tokens
 * live under without a TPM.
 */
record EsysTr(int handle, byte[] name, TpmtPublic publicArea) {
    private static final int IESYSC_KEY_RSRC = 1;

    /** The handle always; the public area only when it parses and its Name matches the stored one. */
    static EsysTr parse(byte[] blob) throws Tpm2Pkcs11StoreException {
        if (blob.length < 4) {
            throw new Tpm2Pkcs11StoreException(Tpm2Pkcs11StoreException.Reason.MALFORMED,
                    "a primary object's esys-tr is too short to name a handle");
        }
        int handle = ((blob[0] & 0xff) << 24) | ((blob[1] & 0xff) << 16) | ((blob[2] & 0xff) << 8) | (blob[3] & 0xff);
        try {
            TpmReader r = new TpmReader(blob);
            r.u32();
            byte[] name = r.tpm2b();
            if (r.u32() != IESYSC_KEY_RSRC) {
                return new EsysTr(handle, name, null);
            }
            TpmtPublic pub = TpmtPublic.readSized(r);
            return new EsysTr(handle, name, Arrays.equals(pub.name(), name) ? pub : null);
        } catch (TpmFormatException | RuntimeException e) {
            // A newer tpm2-tss layout: the handle (first four bytes) is still right, which is what matters.
            return new EsysTr(handle, new byte[0], null);
        }
    }
}
