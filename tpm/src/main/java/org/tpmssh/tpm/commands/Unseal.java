package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * TPM2_Unseal: returns the data in a loaded sealed-data object. The data is the response's first
 * parameter, so an HMAC session with response encryption keeps it off the bus in clear.
 */
public record Unseal(AuthHandle item) {

    /** The sealed bytes; the caller wipes them when done. */
    public byte[] execute(Tpm tpm) throws TpmException {
        Response r = tpm.execute(CommandCode.UNSEAL, List.of(item), List.of(), new byte[0], false, 0, true);
        return r.params().tpm2b();
    }
}
