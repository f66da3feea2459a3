package org.tpmssh.stack.keys;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Import;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.duplication.Duplication;
import org.tpmssh.tpm.duplication.Sensitive;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.ObjectAttributes;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.structures.TpmtPublic.EccParms;
import org.tpmssh.tpm.structures.TpmtPublic.EccPoint;
import org.tpmssh.tpm.structures.TpmtPublic.RsaParms;
import org.tpmssh.tpm.structures.TpmtPublic.RsaUnique;
import org.tpmssh.tpm.structures.TpmtPublic.Scheme;
import org.tpmssh.tpm.structures.TpmtPublic.SymDef;

/**
 * Moves an existing key into the TPM with TPM2_Import, its seed wrapped to the SRK so the key never reaches
 * the TPM in clear, and proves the result (docs/key-import.md).
 */
public final class KeyImport {
    /** The attributes of every imported signing key (noDA is added for PIN-less ones). */
    public static final int IMPORTED_ATTRIBUTES = ObjectAttributes.SIGN_ENCRYPT | ObjectAttributes.USER_WITH_AUTH;

    private KeyImport() {
    }

    /**
     * Imports {@code pair} under the ring's SRK with {@code authValue} (empty: PIN-less) and
     * proves the result. The caller persists {@code privateBlob} and {@code publicArea}.
     */
    public static ImportedKey importKey(KeyRing ring, KeyPair pair, byte[] authValue, boolean noDa, String comment)
            throws TpmException, UnsupportedKeyTypeException {
        Wrapped w = wrapFor(ring, pair, authValue, noDa);
        return importWrapped(ring, w.publicArea(), w.duplication(), authValue, comment, pair.getPublic());
    }

    /** {@link #wrap} for the ring's SRK, refusing a curve this TPM does not list. */
    public static Wrapped wrapFor(KeyRing ring, KeyPair pair, byte[] authValue, boolean noDa)
            throws TpmException, UnsupportedKeyTypeException {
        Wrapped w = wrap(pair, ring.srk().publicArea(), authValue, noDa, ring.tpm().random());
        if (w.publicArea().isEcc()
                && !GetCapability.eccCurves(ring.tpm()).contains(w.publicArea().eccParms().curve())) {
            throw new UnsupportedKeyTypeException("this TPM does not support the key's curve; import a P-256 key or"
                    + " create one with `tpmssh key create`");
        }
        return w;
    }

    /** A duplication blob and the public area that goes with it: what a remote wrap hands over. */
    public record Wrapped(TpmtPublic publicArea, Duplication duplication) {
    }

    /**
     * Makes the duplication blob for {@code pair} addressed to {@code parent}, without a TPM.
     * This is the host half of the remote wrap as well as of a local import.
     */
    public static Wrapped wrap(KeyPair pair, TpmtPublic parent, byte[] authValue, boolean noDa, SecureRandom random)
            throws UnsupportedKeyTypeException {
        byte[] auth = authValue == null ? new byte[0] : authValue;
        if (auth.length > Alg.digestSize(Alg.SHA256)) {
            throw new IllegalArgumentException("an authValue is at most 32 bytes for a SHA-256 key");
        }
        int attrs = IMPORTED_ATTRIBUTES | (noDa ? ObjectAttributes.NO_DA : 0);
        byte[] seedValue = new byte[Alg.digestSize(Alg.SHA256)];
        random.nextBytes(seedValue);
        TpmtPublic pub;
        Sensitive sensitive;
        byte[] priv;
        if (pair.getPrivate() instanceof ECPrivateKey ec && pair.getPublic() instanceof ECPublicKey ecPub) {
            SshCurve curve = SshCurve.of(ec.getParams()).orElseThrow(() -> new UnsupportedKeyTypeException(
                    "EC keys on this curve cannot be stored in a TPM by tpmssh; use P-256, P-384 or P-521"));
            int tpmCurve = tpmCurve(curve);
            int len = Alg.curveBytes(tpmCurve);
            pub = new TpmtPublic(Alg.ECC, Alg.SHA256, attrs, new byte[0],
                    new EccParms(SymDef.NULL, Scheme.NULL, tpmCurve, Scheme.NULL),
                    new EccPoint(PrivateKeyFiles.unsigned(ecPub.getW().getAffineX(), len),
                            PrivateKeyFiles.unsigned(ecPub.getW().getAffineY(), len)));
            // BigInteger d cannot be wiped (the JDK keeps it immutable); only our copy is.
            priv = PrivateKeyFiles.unsigned(ec.getS(), len);
            sensitive = Sensitive.ecc(auth, seedValue, priv);
        } else if (pair.getPrivate() instanceof RSAPrivateCrtKey rsa && pair.getPublic() instanceof RSAPublicKey rsaPub) {
            int bits = rsaPub.getModulus().bitLength();
            if (bits % 8 != 0) {
                throw new UnsupportedKeyTypeException("an RSA key of " + bits + " bits cannot be stored in a TPM;"
                        + " use 2048 or 3072 bits");
            }
            BigInteger e = rsaPub.getPublicExponent();
            if (e.bitLength() > 32) {
                throw new UnsupportedKeyTypeException("this RSA key's public exponent is too large for a TPM");
            }
            int exponent = e.equals(BigInteger.valueOf(65537)) ? 0 : e.intValue();
            pub = new TpmtPublic(Alg.RSA, Alg.SHA256, attrs, new byte[0],
                    new RsaParms(SymDef.NULL, Scheme.NULL, bits, exponent),
                    new RsaUnique(PrivateKeyFiles.unsigned(rsaPub.getModulus(), bits / 8)));
            priv = PrivateKeyFiles.unsigned(rsa.getPrimeP(), bits / 16);
            sensitive = Sensitive.rsa(auth, seedValue, priv);
        } else {
            throw PrivateKeyFiles.unsupported(pair.getPrivate().getAlgorithm());
        }
        try {
            return new Wrapped(pub, Duplication.wrap(parent, pub, sensitive, random));
        } catch (TpmFormatException ex) {
            throw new IllegalArgumentException("the parent's public key is unusable: " + ex.getMessage(), ex);
        } finally {
            sensitive.wipe();
            Arrays.fill(priv, (byte) 0);
            Arrays.fill(seedValue, (byte) 0);
        }
    }

    /**
     * Takes a duplication blob made for this ring's SRK (locally or by a remote wrap), loads the
     * result and proves it against {@code expected} (the public key the user believes it is),
     * or against the blob's own public area when {@code expected} is null.
     */
    public static ImportedKey importWrapped(KeyRing ring, TpmtPublic publicArea, Duplication dup, byte[] authValue,
            String comment, PublicKey expected) throws TpmException, UnsupportedKeyTypeException {
        return loadAndProve(ring, importBlob(ring, publicArea, dup), publicArea, authValue, comment, expected);
    }

    /**
     * TPM2_Import alone: the private blob the SRK can load, without loading it. A store keeps it before anything
     * loads it, so an object a killed import leaves in the TPM has a Name the store knows (docs/tpm-layer.md).
     */
    public static byte[] importBlob(KeyRing ring, TpmtPublic publicArea, Duplication dup) throws TpmException {
        TpmObject srk = ring.srk();
        try {
            return ring.withSession(s -> ring.cache().use(srk, h -> new Import(new AuthHandle(h, srk.name(), null, s),
                    publicArea, dup.duplicate(), dup.inSymSeed()).execute(ring.tpm())));
        } catch (TpmResponseException e) {
            if (e.commandCode() != CommandCode.IMPORT) {
                throw e;
            }
            throw new TpmException("the TPM refused the import (" + e.rcName() + "); the blob was made for"
                    + " another storage key, or is damaged", e);
        }
    }

    /**
     * Loads an imported blob and proves it against {@code expected} (the public key the user believes it is), or
     * against the blob's own public area when {@code expected} is null; on failure the object is flushed.
     */
    public static ImportedKey loadAndProve(KeyRing ring, byte[] outPrivate, TpmtPublic publicArea, byte[] authValue,
            String comment, PublicKey expected) throws TpmException, UnsupportedKeyTypeException {
        TpmObject obj = ring.register(outPrivate, publicArea, comment);
        TpmSshKey key = null;
        try {
            key = TpmSshKeys.of(ring, obj, authValue, comment);
            prove(ring, obj, key, expected == null ? publicArea.toPublicKey() : expected);
            return new ImportedKey(outPrivate, publicArea, key);
        } catch (TpmException | UnsupportedKeyTypeException | RuntimeException e) {
            if (key != null) {
                key.close();
            }
            ring.cache().release(obj);
            throw e;
        }
    }

    /**
     * The TPM's public area of the loaded key must equal the expected public key, and a fresh
     * challenge signed in the TPM must verify with the JDK against that same key.
     */
    static void prove(KeyRing ring, TpmObject obj, TpmSshKey key, PublicKey expected)
            throws TpmException, UnsupportedKeyTypeException {
        TpmtPublic loaded = ring.cache().use(obj, h -> new ReadPublic(h).execute(ring.tpm()).outPublic());
        if (!Arrays.equals(SshPublicKeys.encode(loaded.toPublicKey()), SshPublicKeys.encode(expected))) {
            throw new TpmException("the key in the TPM does not match the file's public key; nothing was imported");
        }
        byte[] challenge = new byte[32];
        ring.tpm().random().nextBytes(challenge);
        try {
            SshSignatureAlgorithm algorithm = SshSignatureAlgorithm.forRequest(SshPublicKeys.encode(expected),
                    AgentKey.SSH_AGENT_RSA_SHA2_256);
            if (!algorithm.verify(expected, challenge, key.sign(challenge, AgentKey.SSH_AGENT_RSA_SHA2_256))) {
                throw new TpmException("the imported key's signature does not verify against the file's public key;"
                        + " nothing was imported");
            }
        } catch (AgentSignException e) {
            throw new TpmException("the imported key could not sign: " + e.getMessage(), e);
        } catch (SshWireFormatException | GeneralSecurityException e) {
            throw new TpmException("the imported key's proof signature is unusable: " + e.getMessage(), e);
        }
    }

    static int tpmCurve(SshCurve curve) {
        switch (curve) {
            case NISTP256: return Alg.ECC_NIST_P256;
            case NISTP384: return Alg.ECC_NIST_P384;
            default: return Alg.ECC_NIST_P521;
        }
    }
}
