package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.TpmtPublic;

/** TPM2_Load: loads a key's private blob and public area under its parent; returns handle and Name. */
public record Load(AuthHandle parent, byte[] inPrivate, TpmtPublic inPublic) {
    public record Result(int handle, byte[] name) {
    }

    public Result execute(Tpm tpm) throws TpmException {
        TpmWriter p = new TpmWriter();
        p.tpm2b(inPrivate);
        p.sized(inPublic);
        Response r = tpm.execute(CommandCode.LOAD, List.of(parent), List.of(), p.toByteArray(), true, 1, true);
        return new Result(r.handle(), r.params().tpm2b());
    }
}
