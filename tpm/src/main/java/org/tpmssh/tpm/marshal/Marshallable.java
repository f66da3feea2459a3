package org.tpmssh.tpm.marshal;

/** A TPM structure that can write itself in the TPM's wire format. */
public interface Marshallable {
    void marshal(TpmWriter w);

    default byte[] toBytes() {
        TpmWriter w = new TpmWriter();
        marshal(w);
        return w.toByteArray();
    }
}
