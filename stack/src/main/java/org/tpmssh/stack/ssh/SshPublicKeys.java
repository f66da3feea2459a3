package org.tpmssh.stack.ssh;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.EllipticCurve;
import java.security.spec.KeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Converts between JCA public keys and the SSH public key blob (RFC 4253 section 6.6 for RSA,
 * RFC 5656 section 3.1 for ECDSA), and writes the authorized_keys line OpenSSH reads.
 */
public final class SshPublicKeys {

    public static final String SSH_RSA = "ssh-rsa";

    private SshPublicKeys() {
    }

    /** Encodes an ECDSA (nistp256/384/521) or RSA public key as an SSH public key blob. */
    public static byte[] encode(PublicKey key) throws UnsupportedKeyTypeException {
        if (key instanceof ECPublicKey) {
            return encode((ECPublicKey) key);
        }
        if (key instanceof RSAPublicKey) {
            return encode((RSAPublicKey) key);
        }
        throw new UnsupportedKeyTypeException("cannot encode a " + key.getAlgorithm()
                + " key for SSH; use an EC (P-256, P-384, P-521) or RSA key");
    }

    public static byte[] encode(ECPublicKey key) throws UnsupportedKeyTypeException {
        SshCurve curve = SshCurve.of(key.getParams()).orElseThrow(() -> new UnsupportedKeyTypeException(
                "EC key is on a curve SSH does not name; use P-256, P-384 or P-521"));
        return new SshWireWriter()
                .writeString(curve.keyType())
                .writeString(curve.identifier())
                .writeString(uncompressedPoint(key.getW(), curve))
                .toByteArray();
    }

    public static byte[] encode(RSAPublicKey key) {
        return new SshWireWriter()
                .writeString(SSH_RSA)
                .writeMpint(key.getPublicExponent())
                .writeMpint(key.getModulus())
                .toByteArray();
    }

    /** The key type named at the start of a blob, e.g. {@code ecdsa-sha2-nistp256}. */
    public static String keyType(byte[] blob) throws SshWireFormatException {
        return new SshWireReader(blob).readUtf8();
    }

    /** One authorized_keys (or .pub) line: {@code type base64 comment}; no comment if blank. */
    public static String authorizedKeysLine(byte[] blob, String comment) throws SshWireFormatException {
        String line = keyType(blob) + " " + Base64.getEncoder().encodeToString(blob);
        if (comment == null || comment.isBlank()) {
            return line;
        }
        if (comment.indexOf('\n') >= 0 || comment.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a key comment must be one line; it would split"
                    + " the authorized_keys entry");
        }
        return line + " " + comment;
    }

    /**
     * The blob from an authorized_keys or .pub line without options ({@code type base64 [comment]}),
     * checked against the type the line names.
     */
    public static byte[] blobFromLine(String line) throws SshWireFormatException {
        String[] fields = line.trim().split("\\s+", 3);
        if (fields.length < 2) {
            throw new SshWireFormatException("expected 'type base64 [comment]' but found "
                    + fields.length + " field(s)");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(fields[1].getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new SshWireFormatException("key field is not valid base64: " + e.getMessage());
        }
        String inner = keyType(blob);
        if (!inner.equals(fields[0])) {
            throw new SshWireFormatException("line names " + fields[0] + " but the blob holds " + inner);
        }
        return blob;
    }

    /** Parses an SSH public key blob back to a JCA key, validating every field. */
    public static PublicKey parse(byte[] blob) throws SshWireFormatException {
        SshWireReader reader = new SshWireReader(blob);
        String type = reader.readUtf8();
        PublicKey key;
        if (SSH_RSA.equals(type)) {
            BigInteger e = reader.readPositiveMpint("RSA exponent");
            BigInteger n = reader.readPositiveMpint("RSA modulus");
            key = generate("RSA", new RSAPublicKeySpec(n, e));
        } else {
            SshCurve curve = SshCurve.ofKeyType(type).orElseThrow(() -> new UnsupportedKeyTypeException(
                    "unsupported SSH key type " + printable(type)
                            + "; expected ssh-rsa or ecdsa-sha2-nistp256/384/521"));
            String identifier = reader.readUtf8();
            if (!curve.identifier().equals(identifier)) {
                throw new SshWireFormatException("key type " + type + " carries curve "
                        + printable(identifier));
            }
            ECPoint point = decodePoint(reader.readString(), curve);
            key = generate("EC", new ECPublicKeySpec(point, curve.parameters()));
        }
        reader.requireEnd("public key blob");
        return key;
    }

    static byte[] uncompressedPoint(ECPoint w, SshCurve curve) {
        int size = curve.coordinateBytes();
        byte[] out = new byte[1 + 2 * size];
        out[0] = 0x04;
        writeFixed(w.getAffineX(), out, 1, size);
        writeFixed(w.getAffineY(), out, 1 + size, size);
        return out;
    }

    private static ECPoint decodePoint(byte[] encoded, SshCurve curve) throws SshWireFormatException {
        int size = curve.coordinateBytes();
        if (encoded.length != 1 + 2 * size || encoded[0] != 0x04) {
            throw new SshWireFormatException("EC point for " + curve.identifier() + " must be uncompressed, "
                    + (1 + 2 * size) + " bytes; found " + encoded.length);
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(encoded, 1, 1 + size));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(encoded, 1 + size, encoded.length));
        if (!onCurve(x, y, curve)) {
            // The JDK's KeyFactory does not check this, and an off-curve point is an invalid-curve attack.
            throw new SshWireFormatException("EC point is not on " + curve.identifier());
        }
        return new ECPoint(x, y);
    }

    private static boolean onCurve(BigInteger x, BigInteger y, SshCurve curve) {
        EllipticCurve ec = curve.parameters().getCurve();
        BigInteger p = ((ECFieldFp) ec.getField()).getP();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger right = x.pow(3).add(ec.getA().multiply(x)).add(ec.getB()).mod(p);
        return y.multiply(y).mod(p).equals(right);
    }

    /** Writes an unsigned big-endian value left-padded into exactly {@code size} bytes. */
    static void writeFixed(BigInteger value, byte[] out, int offset, int size) {
        byte[] raw = value.toByteArray();
        int start = raw.length > size ? raw.length - size : 0; // drop a sign byte
        int length = raw.length - start;
        if (length > size || (start > 0 && raw[0] != 0)) {
            throw new IllegalArgumentException("value needs " + raw.length + " bytes, more than " + size);
        }
        System.arraycopy(raw, start, out, offset + size - length, length);
    }

    private static PublicKey generate(String algorithm, KeySpec spec)
            throws SshWireFormatException {
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(spec);
        } catch (GeneralSecurityException e) {
            // SunEC rejects points that are not on the curve here, which is the check we want.
            throw new SshWireFormatException("invalid " + algorithm + " public key: " + e.getMessage());
        }
    }

    /** Peer-supplied names go into messages; keep them short and free of control characters. */
    static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
