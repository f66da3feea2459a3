package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.Marshallable;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.marshal.TpmWriter;

/** TPMS_CONTEXT: an object or session saved out of the TPM, integrity-protected by it. */
public record SavedContext(long sequence, int savedHandle, int hierarchy, byte[] blob) implements Marshallable {
    @Override
    public void marshal(TpmWriter w) {
        w.u64(sequence).u32(savedHandle).u32(hierarchy).tpm2b(blob);
    }

    public static SavedContext read(TpmReader r) throws TpmFormatException {
        return new SavedContext(r.u64(), r.u32(), r.u32(), r.tpm2b());
    }
}
