package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.CommandCode;

/** TPM2_Startup. */
public record Startup(int startupType) {
    public static final int CLEAR = 0x0000;
    public static final int STATE = 0x0001;

    public void execute(Tpm tpm) throws TpmException {
        tpm.executeSimple(CommandCode.STARTUP, new TpmWriter(2).u16(startupType).toByteArray(), 0);
    }

    /** Sends Startup(CLEAR) and treats "already started" (TPM_RC_INITIALIZE) as success. */
    public static void ensureStarted(Tpm tpm) throws TpmException {
        try {
            new Startup(CLEAR).execute(tpm);
        } catch (TpmResponseException e) {
            if (!e.is(ResponseCodes.INITIALIZE)) {
                throw e;
            }
        }
    }
}
