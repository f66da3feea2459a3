package org.tpmssh.tpm.commands;

import java.util.Arrays;
import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * TPM2_Create: a new object under a loaded parent, returned as a private blob only the parent
 * can load. The object's authValue (and, for a sealed-data object, the data to seal) travel in
 * inSensitive, the first parameter, so callers authorize the parent with an HMAC session that
 * decrypts it.
 */
public record Create(AuthHandle parent, TpmtPublic inPublic, byte[] userAuth, byte[] data) {
    public record Result(byte[] outPrivate, TpmtPublic outPublic) {
    }

    /** A key the TPM generates itself (no sensitive data from the caller). */
    public Create(AuthHandle parent, TpmtPublic inPublic, byte[] userAuth) {
        this(parent, inPublic, userAuth, null);
    }

    public Result execute(Tpm tpm) throws TpmException {
        TpmWriter p = new TpmWriter();
        byte[] auth = userAuth == null ? new byte[0] : userAuth;
        p.sized(w -> w.tpm2b(auth).tpm2b(data));
        p.sized(inPublic);
        p.tpm2b(null);
        p.u32(0);
        byte[] params = p.toByteArray();
        p.wipe();
        try {
            Response r = tpm.execute(CommandCode.CREATE, List.of(parent), List.of(), params, true, 0, true);
            TpmReader in = r.params();
            byte[] priv = in.tpm2b();
            return new Result(priv, TpmtPublic.readSized(in));
        } finally {
            Arrays.fill(params, (byte) 0);
        }
    }

    @Override
    public String toString() {
        return "Create[" + parent + ", " + inPublic + "]"; // never the authValue or the sealed data
    }
}
