package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.structures.CommandCode;

/** TPM2_ContextLoad: brings a saved context back; objects usually get a new handle. */
public record ContextLoad(SavedContext context) {
    public int execute(Tpm tpm) throws TpmException {
        return tpm.executeSimple(CommandCode.CONTEXT_LOAD, context.toBytes(), 1).handle();
    }
}
