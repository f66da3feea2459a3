package org.tpmssh.stack.ssh;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.Optional;

/**
 * The SSH signature algorithms tpmssh signs with, and the one rule that picks one for a key type and a
 * request's flags (RFC 5656, RFC 8332).
 */
public enum SshSignatureAlgorithm {
    ECDSA_SHA2_NISTP256(SshCurve.NISTP256),
    ECDSA_SHA2_NISTP384(SshCurve.NISTP384),
    ECDSA_SHA2_NISTP521(SshCurve.NISTP521),
    RSA_SHA2_256(SshSignatures.RSA_SHA2_256, "SHA-256"),
    RSA_SHA2_512(SshSignatures.RSA_SHA2_512, "SHA-512"),
    /** PKCS#1 v1.5 over SHA-1: what a request without an RSA flag asks for; see docs/agent.md. */
    SSH_RSA(SshSignatures.SSH_RSA, "SHA-1");

    private final String sshName;
    private final String digestName;
    private final SshCurve curve;

    SshSignatureAlgorithm(SshCurve curve) {
        this.sshName = curve.keyType();
        this.digestName = curve.digestName();
        this.curve = curve;
    }

    SshSignatureAlgorithm(String sshName, String digestName) {
        this.sshName = sshName;
        this.digestName = digestName;
        this.curve = null;
    }

    /**
     * What a sign request asks of a key: ECDSA hashes as its curve says and ignores the flags; RSA
     * takes rsa-sha2-512 if that flag is set, else rsa-sha2-256 if set, else {@link #SSH_RSA}.
     *
     * @param flags the SSH_AGENT_RSA_SHA2_* bits of {@link AgentKey}
     * @throws UnsupportedKeyTypeException for a key type that is neither ECDSA nor RSA
     */
    public static SshSignatureAlgorithm forRequest(String keyType, int flags) throws UnsupportedKeyTypeException {
        if (SshPublicKeys.SSH_RSA.equals(keyType)) {
            if ((flags & AgentKey.SSH_AGENT_RSA_SHA2_512) != 0) {
                return RSA_SHA2_512;
            }
            return (flags & AgentKey.SSH_AGENT_RSA_SHA2_256) != 0 ? RSA_SHA2_256 : SSH_RSA;
        }
        SshCurve curve = SshCurve.ofKeyType(keyType).orElseThrow(() -> new UnsupportedKeyTypeException(
                "tpmssh signs only with ECDSA and RSA keys, not " + SshPublicKeys.printable(keyType)));
        return Arrays.stream(values()).filter(a -> a.curve == curve).findFirst().orElseThrow();
    }

    /** As {@link #forRequest(String, int)}, for the key a public key blob names. */
    public static SshSignatureAlgorithm forRequest(byte[] publicKeyBlob, int flags) throws SshWireFormatException {
        return forRequest(SshPublicKeys.keyType(publicKeyBlob), flags);
    }

    /** The algorithm an SSH signature blob names, e.g. {@code rsa-sha2-256}. */
    public static Optional<SshSignatureAlgorithm> named(String sshName) {
        return Arrays.stream(values()).filter(a -> a.sshName.equals(sshName)).findFirst();
    }

    /** The name in the signature blob, e.g. {@code ecdsa-sha2-nistp256} or {@code rsa-sha2-512}. */
    public String sshName() {
        return sshName;
    }

    /** The hash as a JCA name, e.g. {@code SHA-256}. */
    public String digestName() {
        return digestName;
    }

    /** The curve of an ECDSA algorithm; empty for RSA. */
    public Optional<SshCurve> curve() {
        return Optional.ofNullable(curve);
    }

    public boolean isSha1() {
        return this == SSH_RSA;
    }

    /** The JCA signature algorithm that computes the same signature, e.g. {@code SHA384withECDSA}. */
    public String jcaSignatureAlgorithm() {
        return curve != null ? curve.jcaSignatureAlgorithm() : digestName.replace("-", "") + "withRSA";
    }

    /** The SSH signature blob for a JCA signature of this algorithm (DER for ECDSA, raw for RSA). */
    public byte[] blobFromJca(byte[] jcaSignature) throws SshWireFormatException {
        return curve != null ? SshSignatures.ecdsaFromDer(curve, jcaSignature)
                : SshSignatures.rsa(sshName, jcaSignature);
    }

    /**
     * Checks an SSH signature blob of this algorithm over {@code data} with the JDK's own providers.
     *
     * @return false when the blob names another algorithm, the key is not of this algorithm's type,
     *     or the signature does not verify
     */
    public boolean verify(PublicKey key, byte[] data, byte[] signatureBlob)
            throws SshWireFormatException, GeneralSecurityException {
        SshSignatures.Parsed parsed = SshSignatures.parse(signatureBlob);
        boolean keyFits = curve == null ? key instanceof RSAPublicKey
                : key instanceof ECPublicKey ec && SshCurve.of(ec.getParams()).orElse(null) == curve;
        if (!keyFits || !sshName.equals(parsed.algorithm())) {
            return false;
        }
        byte[] signature = curve != null ? SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(curve, signatureBlob))
                : parsed.signature();
        Signature verifier = Signature.getInstance(jcaSignatureAlgorithm());
        verifier.initVerify(key);
        verifier.update(data);
        return verifier.verify(signature);
    }
}
