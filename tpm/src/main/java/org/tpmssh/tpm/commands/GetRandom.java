package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.CommandCode;

/** TPM2_GetRandom: up to a digest's worth of bytes from the TPM's RNG. */
public record GetRandom(int bytesRequested) {
    public byte[] execute(Tpm tpm) throws TpmException {
        return tpm.executeSimple(CommandCode.GET_RANDOM, new TpmWriter(2).u16(bytesRequested).toByteArray(), 0)
                .params().tpm2b();
    }
}
