package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.TpmtPublic;

/** TPM2_CreatePrimary under a hierarchy; with the same template it yields the same key every time. */
public record CreatePrimary(AuthHandle primaryHandle, TpmtPublic inPublic, byte[] userAuth) {
    public record Result(int handle, TpmtPublic outPublic, byte[] name) {
    }

    public Result execute(Tpm tpm) throws TpmException {
        TpmWriter p = new TpmWriter();
        byte[] auth = userAuth == null ? new byte[0] : userAuth;
        p.sized(w -> w.tpm2b(auth).tpm2b(null)); // TPM2B_SENSITIVE_CREATE
        p.sized(inPublic);
        p.tpm2b(null);  // outsideInfo
        p.u32(0);       // creationPCR: empty TPML_PCR_SELECTION
        byte[] params = p.toByteArray();
        p.wipe();
        try {
            Response r = tpm.execute(CommandCode.CREATE_PRIMARY, List.of(primaryHandle), List.of(), params, true, 1,
                    true);
            TpmReader in = r.params();
            TpmtPublic out = TpmtPublic.readSized(in);
            in.tpm2b(); // creationData
            in.tpm2b(); // creationHash
            in.u16();   // creationTicket.tag
            in.u32();   // creationTicket.hierarchy
            in.tpm2b(); // creationTicket.digest
            return new Result(r.handle(), out, in.tpm2b());
        } finally {
            java.util.Arrays.fill(params, (byte) 0);
        }
    }
}
