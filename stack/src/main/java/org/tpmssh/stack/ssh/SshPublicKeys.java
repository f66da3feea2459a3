package org.tpmssh.stack.ssh;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.EllipticCurve;
import java.util.Arrays;
import java.util.Base64;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * Converts between JCA public keys and SSH public key blobs with MINA, adding the checks MINA leaves out, and
 * writes authorized_keys lines.
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
        SshWireWriter out = new SshWireWriter();
        out.buffer().putRawPublicKey(key); // MINA writes RFC 5656's type, curve and uncompressed point
        byte[] blob = out.toByteArray();
        if (!curve.keyType().equals(new String(blob, 4, curve.keyType().length(), StandardCharsets.US_ASCII))) {
            throw new UnsupportedKeyTypeException("MINA encoded a " + curve.identifier() + " key under another name");
        }
        return blob;
    }

    public static byte[] encode(RSAPublicKey key) {
        SshWireWriter out = new SshWireWriter();
        out.buffer().putRawPublicKey(key); // string "ssh-rsa", mpint e, mpint n (RFC 4253 section 6.6)
        return out.toByteArray();
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

    /** The {@code SHA256:…} fingerprint of a public key blob, as ssh-keygen prints it. */
    public static String fingerprint(byte[] blob) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * One {@code ssh-keygen -l} line: {@code bits SHA256:fingerprint comment (TYPE)}, the
     * fingerprint being MINA's SHA-256 one, as OpenSSH prints it.
     */
    public static String fingerprintLine(PublicKey key, String comment) {
        int bits;
        String type;
        if (key instanceof ECPublicKey ec) {
            bits = ec.getParams().getCurve().getField().getFieldSize();
            type = "ECDSA";
        } else if (key instanceof RSAPublicKey rsa) {
            bits = rsa.getModulus().bitLength();
            type = "RSA";
        } else {
            throw new IllegalArgumentException("not an ECDSA or RSA key: " + key.getAlgorithm());
        }
        return bits + " " + KeyUtils.getFingerPrint(key) + " " + comment + " ("
                + type + ")";
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

    /**
     * Parses an SSH public key blob back to a JCA key with MINA's parser, after checking what MINA
     * does not: the type is one we speak, the curve matches it, the point is on the curve, and
     * nothing trails the key.
     */
    public static PublicKey parse(byte[] blob) throws SshWireFormatException {
        SshWireReader peek = new SshWireReader(blob);
        String type = peek.readUtf8();
        SshCurve curve = null;
        if (SSH_RSA.equals(type)) {
            peek.readPositiveMpint("RSA exponent");
            peek.readPositiveMpint("RSA modulus");
        } else {
            curve = SshCurve.ofKeyType(type).orElseThrow(() -> new UnsupportedKeyTypeException(
                    "unsupported SSH key type " + printable(type)
                            + "; expected ssh-rsa or ecdsa-sha2-nistp256/384/521"));
            String identifier = peek.readUtf8();
            if (!curve.identifier().equals(identifier)) {
                throw new SshWireFormatException("key type " + type + " carries curve "
                        + printable(identifier));
            }
            checkPoint(peek.readString(), curve);
        }
        peek.requireEnd("public key blob");
        try {
            PublicKey key = new ByteArrayBuffer(blob).getRawPublicKey();
            if (key == null) {
                throw new SshWireFormatException("MINA could not parse the " + type + " key");
            }
            return key;
        } catch (SshException | RuntimeException e) {
            throw new SshWireFormatException("invalid " + type + " public key: " + e.getMessage());
        }
    }

    private static void checkPoint(byte[] encoded, SshCurve curve) throws SshWireFormatException {
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

    /** Peer-supplied names go into messages; keep them short and free of control characters. */
    static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
