package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * TPM2_Import (Part 3, 13.3): turns a duplication blob made for {@code parent} into a private blob
 * TPM2_Load accepts under it. Outer wrapper only: encryptionKey is empty and symmetricAlg NULL.
 */
public record Import(AuthHandle parent, TpmtPublic objectPublic, byte[] duplicate, byte[] inSymSeed) {

    /** Returns outPrivate, the TPM2B_PRIVATE contents to keep for TPM2_Load. */
    public byte[] execute(Tpm tpm) throws TpmException {
        TpmWriter p = new TpmWriter(256 + duplicate.length + inSymSeed.length);
        p.tpm2b(null);            // encryptionKey: no inner wrapper
        p.sized(objectPublic);
        p.tpm2b(duplicate);
        p.tpm2b(inSymSeed);
        p.u16(Alg.NULL);          // symmetricAlg
        Response r = tpm.execute(CommandCode.IMPORT, List.of(parent), List.of(), p.toByteArray(), true, 0, true);
        return r.params().tpm2b();
    }
}
