package org.tpmssh.stack.keys;

import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinRequiredException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * One TPM key with its unlocked authValue, signing digests: the SSH key, the JCA key and the
 * PKCS#11 session all sign through it, so TPM2_Sign is asked for in one place.
 */
public final class TpmSigner implements AutoCloseable {
    private static final int[] HASHES = {Alg.SHA1, Alg.SHA256, Alg.SHA384, Alg.SHA512};

    private final KeyRing ring;
    private final TpmObject object;
    private final byte[] authValue;
    private final String label;
    private volatile boolean closed;

    private TpmSigner(KeyRing ring, TpmObject object, byte[] authValue, String label) {
        this.ring = ring;
        this.object = object;
        this.authValue = authValue == null ? new byte[0] : authValue.clone();
        this.label = label == null ? "tpm key" : label;
    }

    /**
     * A signer for {@code object}, a key known to {@code ring}. The authValue is copied (empty for
     * a PIN-less key); the caller wipes its own.
     *
     * @param label names the key in messages; never anything secret
     */
    public static TpmSigner of(KeyRing ring, TpmObject object, byte[] authValue, String label) {
        return new TpmSigner(ring, object, authValue, label);
    }

    /**
     * TPM2_Sign of {@code digest}, a hash the caller computed with {@code hash}.
     *
     * @param scheme {@link Alg#ECDSA} for an ECC key; {@link Alg#RSASSA} or {@link Alg#RSAPSS} for RSA
     * @throws PinException the TPM refused the authValue or is in lockout, or this signer was closed
     * @throws IllegalArgumentException a scheme this key cannot sign with
     */
    public Signature sign(byte[] digest, int scheme, int hash) throws PinException, TpmException {
        if (!signsWith(object.publicArea(), scheme)) {
            throw new IllegalArgumentException("key \"" + label + "\" cannot sign with scheme 0x"
                    + Integer.toHexString(scheme));
        }
        if (closed) {
            throw new PinRequiredException("key \"" + label + "\" was closed and has forgotten its authorization;"
                    + " unlock it again");
        }
        return PinAttempts.attempt("the PIN for key \"" + label + "\"", object, authValue,
                () -> ring.sign(object, authValue, digest, scheme, hash));
    }

    /** Which schemes a key signs with: ECDSA for an ECC key, PKCS#1 v1.5 or PSS for an RSA key. */
    public static boolean signsWith(TpmtPublic key, int scheme) {
        return key.isEcc() ? scheme == Alg.ECDSA : scheme == Alg.RSASSA || scheme == Alg.RSAPSS;
    }

    /** The TPM_ALG_ID of a hash named as JCA names it, e.g. {@code SHA-256}. */
    public static int hashNamed(String digestName) {
        for (int hash : HASHES) {
            if (Alg.hashName(hash).equals(digestName)) {
                return hash;
            }
        }
        throw new IllegalArgumentException("the TPM signs with SHA-1, SHA-256, SHA-384 or SHA-512, not " + digestName);
    }

    public TpmObject object() {
        return object;
    }

    public TpmtPublic publicArea() {
        return object.publicArea();
    }

    public String label() {
        return label;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Wipes the authValue; the key stays in the TPM and its store. */
    @Override
    public void close() {
        closed = true;
        Secrets.wipe(authValue);
    }
}
