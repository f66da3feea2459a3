package org.tpmssh.stack.ssh;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import java.util.Optional;

/** The three NIST curves SSH names (RFC 5656), with their wire names, widths and the hash each signs with. */
public enum SshCurve {
    NISTP256("nistp256", "secp256r1", 32, "SHA-256"),
    NISTP384("nistp384", "secp384r1", 48, "SHA-384"),
    NISTP521("nistp521", "secp521r1", 66, "SHA-512");

    private final String identifier;
    private final String jcaName;
    private final int coordinateBytes;
    private final String digestName;
    private volatile ECParameterSpec parameters;

    SshCurve(String identifier, String jcaName, int coordinateBytes, String digestName) {
        this.identifier = identifier;
        this.jcaName = jcaName;
        this.coordinateBytes = coordinateBytes;
        this.digestName = digestName;
    }

    /** The SSH key type, also the signature algorithm name, e.g. {@code ecdsa-sha2-nistp256}. */
    public String keyType() {
        return "ecdsa-sha2-" + identifier;
    }

    /** The curve identifier inside the key blob, e.g. {@code nistp256}. */
    public String identifier() {
        return identifier;
    }

    /** The JCA standard name, e.g. {@code secp256r1}. */
    public String jcaName() {
        return jcaName;
    }

    /** Width of one affine coordinate; points are encoded fixed-width, zero-padded. */
    public int coordinateBytes() {
        return coordinateBytes;
    }

    /** The hash SSH signs with on this curve (RFC 5656 section 6.2.1), as a JCA name, e.g. {@code SHA-256}. */
    public String digestName() {
        return digestName;
    }

    /** The JCA signature algorithm that hashes as SSH requires for this curve, e.g. {@code SHA256withECDSA}. */
    public String jcaSignatureAlgorithm() {
        return digestName.replace("-", "") + "withECDSA";
    }

    public ECParameterSpec parameters() {
        ECParameterSpec spec = parameters;
        if (spec == null) {
            try {
                AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
                params.init(new ECGenParameterSpec(jcaName));
                spec = params.getParameterSpec(ECParameterSpec.class);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("this JDK lacks curve " + jcaName
                        + "; use a JDK with the SunEC provider", e);
            }
            parameters = spec;
        }
        return spec;
    }

    public static Optional<SshCurve> ofKeyType(String keyType) {
        return Arrays.stream(values()).filter(c -> c.keyType().equals(keyType)).findFirst();
    }

    public static Optional<SshCurve> ofIdentifier(String identifier) {
        return Arrays.stream(values()).filter(c -> c.identifier.equals(identifier)).findFirst();
    }

    /** Matches by the curve's defining numbers, since providers name the same curve differently. */
    public static Optional<SshCurve> of(ECParameterSpec spec) {
        return Arrays.stream(values()).filter(c -> sameCurve(c.parameters(), spec)).findFirst();
    }

    private static boolean sameCurve(ECParameterSpec a, ECParameterSpec b) {
        BigInteger orderA = a.getOrder();
        return orderA.equals(b.getOrder())
                && a.getCurve().equals(b.getCurve())
                && a.getGenerator().equals(b.getGenerator());
    }
}
