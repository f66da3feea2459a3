package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.structures.CommandCode;

/** TPM2_ContextSave: the TPMS_CONTEXT of a loaded object or session, encrypted by the TPM. */
public record ContextSave(int handle) {
    public SavedContext execute(Tpm tpm) throws TpmException {
        Response r = tpm.execute(CommandCode.CONTEXT_SAVE, List.of(), List.of(HandleRef.of(handle)), new byte[0],
                false, 0, false);
        return SavedContext.read(r.params());
    }
}
