package org.tpmssh.stack.ssh;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Set;

/**
 * Builds and reads SSH signature blobs: {@code string algorithm, string signature}, where an
 * ECDSA signature is {@code mpint r, mpint s} (RFC 5656 section 3.1.2) and an RSA signature is
 * the raw PKCS#1 v1.5 value (RFC 8332). A TPM returns r and s; a JCA provider returns DER.
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

    /** {@code SEQUENCE { INTEGER r, INTEGER s }}, as JCA's ECDSA verifiers expect. */
    public static byte[] ecdsaToDer(EcdsaValue value) {
        byte[] r = derElement(0x02, value.r().toByteArray());
        byte[] s = derElement(0x02, value.s().toByteArray());
        byte[] body = new byte[r.length + s.length];
        System.arraycopy(r, 0, body, 0, r.length);
        System.arraycopy(s, 0, body, r.length, s.length);
        return derElement(0x30, body);
    }

    public static EcdsaValue derToEcdsa(byte[] der) throws SshWireFormatException {
        DerCursor outer = new DerCursor(der, 0, der.length);
        DerCursor sequence = outer.enter(0x30);
        outer.requireEnd();
        BigInteger r = new BigInteger(sequence.enter(0x02).rest());
        BigInteger s = new BigInteger(sequence.enter(0x02).rest());
        sequence.requireEnd();
        if (r.signum() <= 0 || s.signum() <= 0) {
            throw new SshWireFormatException("DER ECDSA signature has a non-positive r or s");
        }
        return new EcdsaValue(r, s);
    }

    private static byte[] derElement(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >>> 8);
            out.write(length);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    /** Just enough DER to read two INTEGERs in a SEQUENCE, with every length bounds-checked. */
    private static final class DerCursor {
        private final byte[] data;
        private int position;
        private final int end;

        DerCursor(byte[] data, int position, int end) {
            this.data = data;
            this.position = position;
            this.end = end;
        }

        DerCursor enter(int tag) throws SshWireFormatException {
            if (end - position < 2 || (data[position] & 0xff) != tag) {
                throw new SshWireFormatException("DER: expected tag 0x" + Integer.toHexString(tag));
            }
            position++;
            int length = data[position++] & 0xff;
            if (length >= 0x80) {
                int count = length & 0x7f;
                if (count == 0 || count > 2 || end - position < count) {
                    throw new SshWireFormatException("DER: unsupported or truncated length");
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = (length << 8) | (data[position++] & 0xff);
                }
            }
            if (length > end - position || (tag == 0x02 && length == 0)) {
                throw new SshWireFormatException("DER: element of " + length + " bytes overruns its container");
            }
            DerCursor inner = new DerCursor(data, position, position + length);
            position += length;
            return inner;
        }

        byte[] rest() {
            byte[] out = Arrays.copyOfRange(data, position, end);
            position = end;
            return out;
        }

        void requireEnd() throws SshWireFormatException {
            if (position != end) {
                throw new SshWireFormatException("DER: " + (end - position) + " trailing bytes");
            }
        }
    }
}
