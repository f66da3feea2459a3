package org.tpmssh.stack.jca;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Objects;
import javax.security.auth.Destroyable;
import org.tpmssh.stack.keys.TpmSigner;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;

/**
 * A private key that exists only inside the TPM and signs through its {@link TpmSigner}; it cannot be
 * exported, and docs/jca.md says why it is neither an ECPrivateKey nor an RSAPrivateKey.
 */
public abstract sealed class TpmPrivateKey implements PrivateKey, Destroyable
        permits TpmEcPrivateKey, TpmRsaPrivateKey {
    private static final long serialVersionUID = 1L;

    private final transient TpmSigner signer;

    TpmPrivateKey(TpmSigner signer) {
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    /**
     * Wraps a key loaded in {@code ring}. The authValue is copied; the caller wipes its own copy.
     *
     * @param authValue the key's TPM authValue (empty for a PIN-less key); never logged
     * @param label a name for messages, never anything secret
     * @throws TpmException when the key's public area is neither ECC nor RSA or does not parse
     */
    public static TpmPrivateKey of(KeyRing ring, TpmObject object, byte[] authValue, String label)
            throws TpmException {
        return of(TpmSigner.of(ring, object, authValue, label));
    }

    /** The JCA face of {@code signer}, which this key takes over: {@link #destroy()} closes it. */
    public static TpmPrivateKey of(TpmSigner signer) throws TpmException {
        PublicKey pub = signer.publicArea().toPublicKey();
        if (pub instanceof ECPublicKey ec) {
            return new TpmEcPrivateKey(signer, ec);
        }
        if (pub instanceof RSAPublicKey rsa) {
            return new TpmRsaPrivateKey(signer, rsa);
        }
        throw new TpmException("the TPM key \"" + signer.label() + "\" is neither ECC nor RSA");
    }

    /** The public half, as the JDK's own EC or RSA public key. */
    public abstract PublicKey publicKey();

    public TpmObject object() {
        return signer.object();
    }

    public String label() {
        return signer.label();
    }

    /** What the provider's Signature signs through. */
    TpmSigner signer() {
        return signer;
    }

    /** Null: the private half never leaves the TPM. */
    @Override
    public final byte[] getEncoded() {
        return null;
    }

    /** Null, as {@link java.security.Key#getFormat()} allows for keys without an encoding. */
    @Override
    public final String getFormat() {
        return null;
    }

    /** Forgets the unlocked authValue; the key stays in the TPM and its store. */
    @Override
    public void destroy() {
        signer.close();
    }

    @Override
    public boolean isDestroyed() {
        return signer.isClosed();
    }

    @Override
    public String toString() {
        // Never the authValue.
        return getClass().getSimpleName() + "[" + label() + ", " + getAlgorithm() + "]";
    }

    /** A hardware key cannot be serialised into something usable; refuse instead of writing a shell. */
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.NotSerializableException {
        throw new java.io.NotSerializableException("a TPM private key cannot be serialised");
    }
}
