package org.tpmssh.stack.jca;

import java.security.AlgorithmParameters;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.InvalidParameterSpecException;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Locale;
import org.tpmssh.stack.keys.TpmSigner;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;

/**
 * One JCA Signature algorithm: the message is hashed here and the key's {@link TpmSigner} signs the digest;
 * verifying is the JDK's job.
 */
final class TpmSignatureSpi extends SignatureSpi {

    /** The algorithms the provider registers, with the TPM scheme and hash each one uses. */
    enum Algorithm {
        SHA256_ECDSA("SHA256withECDSA", Alg.ECDSA, Alg.SHA256),
        SHA384_ECDSA("SHA384withECDSA", Alg.ECDSA, Alg.SHA384),
        SHA512_ECDSA("SHA512withECDSA", Alg.ECDSA, Alg.SHA512),
        SHA256_RSA("SHA256withRSA", Alg.RSASSA, Alg.SHA256),
        SHA384_RSA("SHA384withRSA", Alg.RSASSA, Alg.SHA384),
        SHA512_RSA("SHA512withRSA", Alg.RSASSA, Alg.SHA512),
        /** The hash comes from the PSSParameterSpec the caller must set. */
        RSASSA_PSS("RSASSA-PSS", Alg.RSAPSS, Alg.NULL);

        final String jcaName;
        final int scheme;
        final int hash;

        Algorithm(String jcaName, int scheme, int hash) {
            this.jcaName = jcaName;
            this.scheme = scheme;
            this.hash = hash;
        }

        boolean wantsEc() {
            return scheme == Alg.ECDSA;
        }
    }

    private final Algorithm algorithm;
    private int hash;
    private MessageDigest digest;
    private PSSParameterSpec pssParameters;
    private TpmPrivateKey key;

    TpmSignatureSpi(Algorithm algorithm) {
        this.algorithm = algorithm;
        if (algorithm.hash != Alg.NULL) {
            this.hash = algorithm.hash;
            this.digest = Alg.digest(algorithm.hash);
        }
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        if (!(privateKey instanceof TpmPrivateKey tpmKey)) {
            throw new InvalidKeyException("the " + TpmProvider.NAME + " provider signs only with TPM keys, not "
                    + (privateKey == null ? "null" : privateKey.getClass().getName()));
        }
        if (!TpmSigner.signsWith(tpmKey.signer().publicArea(), algorithm.scheme)) {
            throw new InvalidKeyException(algorithm.jcaName + " needs an " + (algorithm.wantsEc() ? "EC" : "RSA")
                    + " key, but TPM key \"" + tpmKey.label() + "\" is " + tpmKey.getAlgorithm());
        }
        if (tpmKey.isDestroyed()) {
            throw new InvalidKeyException("TPM key \"" + tpmKey.label() + "\" was destroyed; unlock it again");
        }
        this.key = tpmKey;
        if (digest != null) {
            digest.reset();
        }
    }

    @Override
    protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
        throw new InvalidKeyException("the " + TpmProvider.NAME + " provider only signs; verify " + algorithm.jcaName
                + " with the JDK's own provider (e.g. Signature.getInstance(alg) without naming a provider)");
    }

    @Override
    protected void engineUpdate(byte b) throws SignatureException {
        requireDigest().update(b);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) throws SignatureException {
        requireDigest().update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        if (key == null) {
            throw new SignatureException("call initSign with a TPM key before sign");
        }
        byte[] hashed = requireDigest().digest();
        try {
            Signature sig = key.signer().sign(hashed, algorithm.scheme, hash);
            return sig.isEcdsa() ? sig.toDer() : sig.rsa();
        } catch (PinException e) {
            throw new SignatureException(e.getMessage(), e);
        } catch (TpmException e) {
            throw new SignatureException("the TPM could not sign with key \"" + key.label() + "\": "
                    + e.getMessage(), e);
        }
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        throw new SignatureException("the " + TpmProvider.NAME + " provider only signs");
    }

    @Override
    protected void engineSetParameter(AlgorithmParameterSpec params) throws InvalidAlgorithmParameterException {
        if (algorithm != Algorithm.RSASSA_PSS) {
            if (params == null) {
                return;
            }
            throw new InvalidAlgorithmParameterException(algorithm.jcaName + " takes no parameters");
        }
        if (!(params instanceof PSSParameterSpec pss)) {
            throw new InvalidAlgorithmParameterException("RSASSA-PSS needs a PSSParameterSpec, not "
                    + (params == null ? "null" : params.getClass().getSimpleName()));
        }
        int pssHash = hashOf(pss.getDigestAlgorithm());
        int hashLength = Alg.digestSize(pssHash);
        if (!"MGF1".equalsIgnoreCase(pss.getMGFAlgorithm())
                || !(pss.getMGFParameters() instanceof MGF1ParameterSpec mgf)
                || hashOf(mgf.getDigestAlgorithm()) != pssHash) {
            throw new InvalidAlgorithmParameterException("the TPM signs RSASSA-PSS only with MGF1 over the same hash"
                    + " as the message (" + pss.getDigestAlgorithm() + "); got " + pss.getMGFAlgorithm() + " "
                    + describe(pss.getMGFParameters()));
        }
        if (pss.getSaltLength() != hashLength) {
            throw new InvalidAlgorithmParameterException("the TPM signs RSASSA-PSS with a salt as long as the hash ("
                    + hashLength + " bytes for " + pss.getDigestAlgorithm() + "); a salt length of "
                    + pss.getSaltLength() + " cannot be honoured");
        }
        if (pss.getTrailerField() != PSSParameterSpec.TRAILER_FIELD_BC) {
            throw new InvalidAlgorithmParameterException("RSASSA-PSS trailer field must be 1 (0xBC)");
        }
        this.hash = pssHash;
        this.digest = Alg.digest(pssHash);
        this.pssParameters = pss;
    }

    @Override
    protected AlgorithmParameters engineGetParameters() {
        if (pssParameters == null) {
            return null;
        }
        try {
            // Encoding PSS parameters is the JDK's job; SunRsaSign has the implementation.
            AlgorithmParameters p = AlgorithmParameters.getInstance("RSASSA-PSS");
            p.init(pssParameters);
            return p;
        } catch (NoSuchAlgorithmException | InvalidParameterSpecException e) {
            throw new IllegalStateException("the JDK cannot encode RSASSA-PSS parameters", e);
        }
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
        throw new InvalidParameterException("not supported; use setParameter(AlgorithmParameterSpec)");
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
        throw new InvalidParameterException("not supported; use getParameters()");
    }

    private MessageDigest requireDigest() throws SignatureException {
        if (digest == null) {
            throw new SignatureException("RSASSA-PSS needs setParameter(new PSSParameterSpec(\"SHA-256\", \"MGF1\","
                    + " MGF1ParameterSpec.SHA256, 32, 1)) (or SHA-512 with 64) before update");
        }
        return digest;
    }

    private static int hashOf(String name) throws InvalidAlgorithmParameterException {
        switch (name == null ? "" : name.toUpperCase(Locale.ROOT).replace("-", "")) {
            case "SHA256": return Alg.SHA256;
            case "SHA384": return Alg.SHA384;
            case "SHA512": return Alg.SHA512;
            default:
                throw new InvalidAlgorithmParameterException("the TPM signs RSASSA-PSS with SHA-256, SHA-384 or"
                        + " SHA-512, not " + name);
        }
    }

    private static String describe(AlgorithmParameterSpec spec) {
        return spec instanceof MGF1ParameterSpec m ? "with " + m.getDigestAlgorithm() : String.valueOf(spec);
    }
}
