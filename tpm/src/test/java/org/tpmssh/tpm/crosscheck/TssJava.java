package org.tpmssh.tpm.crosscheck;

import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.Tpm;

/**
 * Test fixture: TSS.Java's {@code tss.Tpm} on the same TPM as our layer, its marshalled commands
 * handed to our {@link Tpm#transmitRaw}; only bytes cross, so TSS.Java stays an independent reference.
 */
final class TssJava extends tss.TpmDevice {
    private final Tpm ours;
    private byte[] response;

    private TssJava(Tpm ours) {
        this.ours = ours;
    }

    /** A TSS.Java TPM whose commands travel over {@code ours}' transport; closing it leaves ours open. */
    static tss.Tpm over(Tpm ours) {
        tss.Tpm t = new tss.Tpm();
        t._setDevice(new TssJava(ours));
        return t;
    }

    @Override
    public boolean connect() {
        return true;
    }

    @Override
    public void close() {
        // The transport belongs to our Tpm; it closes it.
    }

    @Override
    public void dispatchCommand(byte[] command) {
        try {
            response = ours.transmitRaw(command);
        } catch (TpmException e) {
            throw new IllegalStateException("TSS.Java's command did not reach the TPM: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] getResponse() {
        byte[] r = response;
        response = null;
        return r;
    }

    @Override
    public boolean responseReady() {
        return response != null;
    }
}
