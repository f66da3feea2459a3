package org.tpmssh.stack.ssh;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;

/**
 * Builds and reads SSH signature blobs (ECDSA as RFC 5656, RSA as RFC 8332), from a TPM's r and s or a JCA
 * provider's DER.
 */
public final class SshSignatures {

    public static final String RSA_SHA2_256 = "rsa-sha2-256";
    public static final String RSA_SHA2_512 = "rsa-sha2-512";
    /** SHA-1; OpenSSH only asks for it when talking to very old servers. */
    public static final String SSH_RSA = SshPublicKeys.SSH_RSA;

    private static final Set<String> RSA_ALGORITHMS = Set.of(RSA_SHA2_256, RSA_SHA2_512, SSH_RSA);

    /** The two halves of an SSH signature blob. */
    public record Parsed(String algorithm, byte[] signature) {
    }

    /** The two integers of an ECDSA signature. */
    public record EcdsaValue(BigInteger r, BigInteger s) {
    }

    private SshSignatures() {
    }

    public static byte[] ecdsa(SshCurve curve, BigInteger r, BigInteger s) {
        if (r.signum() <= 0 || s.signum() <= 0) {
            throw new IllegalArgumentException("ECDSA r and s must be positive");
        }
        byte[] inner = new SshWireWriter().writeMpint(r).writeMpint(s).toByteArray();
        return new SshWireWriter().writeString(curve.keyType()).writeString(inner).toByteArray();
    }

    /** From the DER {@code ECDSA-Sig-Value} that JCA's {@code SHAnnnwithECDSA} returns. */
    public static byte[] ecdsaFromDer(SshCurve curve, byte[] der) throws SshWireFormatException {
        EcdsaValue value = derToEcdsa(der);
        return ecdsa(curve, value.r(), value.s());
    }

    public static byte[] rsa(String algorithm, byte[] signature) {
        if (!RSA_ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("unknown RSA signature algorithm " + algorithm
                    + "; use " + RSA_SHA2_256 + ", " + RSA_SHA2_512 + " or " + SSH_RSA);
        }
        return new SshWireWriter().writeString(algorithm).writeString(signature).toByteArray();
    }

    public static Parsed parse(byte[] blob) throws SshWireFormatException {
        SshWireReader reader = new SshWireReader(blob);
        String algorithm = reader.readUtf8();
        byte[] signature = reader.readString();
        reader.requireEnd("signature blob");
        return new Parsed(algorithm, signature);
    }

    /** r and s out of an ECDSA SSH signature blob, checking the algorithm names that curve. */
    public static EcdsaValue parseEcdsa(SshCurve curve, byte[] blob) throws SshWireFormatException {
        Parsed parsed = parse(blob);
        if (!curve.keyType().equals(parsed.algorithm())) {
            throw new SshWireFormatException("expected a " + curve.keyType() + " signature but found "
                    + SshPublicKeys.printable(parsed.algorithm()));
        }
        SshWireReader reader = new SshWireReader(parsed.signature());
        BigInteger r = reader.readPositiveMpint("ECDSA r");
        BigInteger s = reader.readPositiveMpint("ECDSA s");
        reader.requireEnd("ECDSA signature");
        return new EcdsaValue(r, s);
    }

    /** {@code SEQUENCE { INTEGER r, INTEGER s }}, as JCA's ECDSA verifiers expect; DER by Bouncy Castle. */
    public static byte[] ecdsaToDer(EcdsaValue value) {
        try {
            return new DERSequence(new ASN1Encodable[] {new ASN1Integer(value.r()), new ASN1Integer(value.s())})
                    .getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding of two integers failed", e);
        }
    }

    /** r and s from a DER {@code ECDSA-Sig-Value}; Bouncy Castle parses, strictly DER, nothing trailing. */
    public static EcdsaValue derToEcdsa(byte[] der) throws SshWireFormatException {
        BigInteger r;
        BigInteger s;
        try (ASN1InputStream in = new ASN1InputStream(der)) {
            ASN1Primitive object = in.readObject();
            if (!(object instanceof ASN1Sequence) || in.readObject() != null
                    || !Arrays.equals(object.getEncoded(ASN1Encoding.DER), der)) {
                throw new SshWireFormatException("DER ECDSA signature is not one DER SEQUENCE");
            }
            ASN1Sequence sequence = (ASN1Sequence) object;
            if (sequence.size() != 2) {
                throw new SshWireFormatException("DER ECDSA signature holds " + sequence.size() + " elements, not 2");
            }
            r = ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue();
            s = ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue();
        } catch (IOException | IllegalArgumentException e) {
            if (e instanceof SshWireFormatException) {
                throw (SshWireFormatException) e;
            }
            throw new SshWireFormatException("DER ECDSA signature does not parse: " + e.getMessage());
        }
        if (r.signum() <= 0 || s.signum() <= 0) {
            throw new SshWireFormatException("DER ECDSA signature has a non-positive r or s");
        }
        return new EcdsaValue(r, s);
    }
}
