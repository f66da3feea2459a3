package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.CommandCode;

/** TPM2_FlushContext: frees a loaded object or session. The handle is a parameter, not a handle. */
public record FlushContext(int handle) {
    public void execute(Tpm tpm) throws TpmException {
        tpm.executeSimple(CommandCode.FLUSH_CONTEXT, new TpmWriter(4).u32(handle).toByteArray(), 0);
    }
}
