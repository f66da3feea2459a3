package org.tpmssh.tpm.duplication;

import java.util.Arrays;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.Alg;

/**
 * TPMT_SENSITIVE of an asymmetric key (Part 2, 12.3.2.5). It holds private key bytes: call
 * {@link #wipe()} as soon as the duplication blob is made.
 */
public final class Sensitive {
    private final int type;
    private final byte[] authValue;
    private final byte[] seedValue;
    private final byte[] privatePart;

    private Sensitive(int type, byte[] authValue, byte[] seedValue, byte[] privatePart) {
        this.type = type;
        this.authValue = authValue == null ? new byte[0] : authValue.clone();
        this.seedValue = seedValue.clone();
        this.privatePart = privatePart.clone();
    }

    /** An ECC private scalar, left-padded to the curve's size by the caller. */
    public static Sensitive ecc(byte[] authValue, byte[] seedValue, byte[] d) {
        return new Sensitive(Alg.ECC, authValue, seedValue, d);
    }

    /** An RSA key by its first prime; the TPM recomputes q and d from p and the public modulus. */
    public static Sensitive rsa(byte[] authValue, byte[] seedValue, byte[] p) {
        return new Sensitive(Alg.RSA, authValue, seedValue, p);
    }

    public int type() {
        return type;
    }

    /** The marshalled TPMT_SENSITIVE; the caller wipes it. */
    byte[] marshal() {
        TpmWriter w = new TpmWriter(16 + authValue.length + seedValue.length + privatePart.length);
        w.u16(type).tpm2b(authValue).tpm2b(seedValue).tpm2b(privatePart);
        byte[] out = w.toByteArray();
        w.wipe();
        return out;
    }

    public void wipe() {
        Arrays.fill(authValue, (byte) 0);
        Arrays.fill(seedValue, (byte) 0);
        Arrays.fill(privatePart, (byte) 0);
    }

    @Override
    public String toString() {
        return "Sensitive[type=0x" + Integer.toHexString(type) + "]"; // never the key material
    }
}
