package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * TPM2_EvictControl: makes a loaded object persistent at {@code persistentHandle}, or (given a
 * persistent object) removes it. Hardware-lab safety: callers must remove what they persist.
 */
public record EvictControl(AuthHandle auth, HandleRef object, int persistentHandle) {
    public void execute(Tpm tpm) throws TpmException {
        tpm.execute(CommandCode.EVICT_CONTROL, List.of(auth), List.of(object),
                new TpmWriter(4).u32(persistentHandle).toByteArray(), false, 0, false);
    }
}
