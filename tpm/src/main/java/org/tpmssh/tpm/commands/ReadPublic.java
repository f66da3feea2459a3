package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.TpmtPublic;

/** TPM2_ReadPublic: the public area and Name of a loaded or persistent object. */
public record ReadPublic(int objectHandle) {
    public record Result(TpmtPublic outPublic, byte[] name, byte[] qualifiedName) {
    }

    public Result execute(Tpm tpm) throws TpmException {
        Response r = tpm.execute(CommandCode.READ_PUBLIC, List.of(), List.of(HandleRef.of(objectHandle)),
                new byte[0], false, 0, false);
        return new Result(TpmtPublic.readSized(r.params()), r.params().tpm2b(), r.params().tpm2b());
    }

    /** Only the Name of whatever is at {@code handle}, without parsing its public area (which may be of any type). */
    public static byte[] name(Tpm tpm, int handle) throws TpmException {
        Response r = tpm.execute(CommandCode.READ_PUBLIC, List.of(), List.of(HandleRef.of(handle)), new byte[0],
                false, 0, false);
        r.params().tpm2b();
        return r.params().tpm2b();
    }
}
