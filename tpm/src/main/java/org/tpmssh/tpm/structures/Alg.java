package org.tpmssh.tpm.structures;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** TPM_ALG_ID and TPM_ECC_CURVE values we use, with the JCA names that go with them. */
public final class Alg {
    private Alg() {
    }

    public static final int RSA = 0x0001;
    public static final int SHA1 = 0x0004;
    public static final int HMAC = 0x0005;
    public static final int AES = 0x0006;
    public static final int KEYEDHASH = 0x0008;
    public static final int XOR = 0x000A;
    public static final int SHA256 = 0x000B;
    public static final int SHA384 = 0x000C;
    public static final int SHA512 = 0x000D;
    public static final int NULL = 0x0010;
    public static final int RSASSA = 0x0014;
    public static final int RSAES = 0x0015;
    public static final int RSAPSS = 0x0016;
    public static final int OAEP = 0x0017;
    public static final int ECDSA = 0x0018;
    public static final int ECDH = 0x0019;
    public static final int ECC = 0x0023;
    public static final int SYMCIPHER = 0x0025;
    public static final int CFB = 0x0043;

    public static final int ECC_NIST_P256 = 0x0003;
    public static final int ECC_NIST_P384 = 0x0004;
    public static final int ECC_NIST_P521 = 0x0005;

    /** Whether {@code alg} is a hash this layer computes (SHA-1, SHA-256, SHA-384, SHA-512). */
    public static boolean isHash(int alg) {
        return alg == SHA1 || alg == SHA256 || alg == SHA384 || alg == SHA512;
    }

    /** Whether {@code curve} is one of the NIST curves this layer speaks. */
    public static boolean isCurve(int curve) {
        return curve == ECC_NIST_P256 || curve == ECC_NIST_P384 || curve == ECC_NIST_P521;
    }

    public static String hashName(int alg) {
        switch (alg) {
            case SHA1: return "SHA-1";
            case SHA256: return "SHA-256";
            case SHA384: return "SHA-384";
            case SHA512: return "SHA-512";
            default: throw new IllegalArgumentException("unsupported hash algorithm 0x" + Integer.toHexString(alg));
        }
    }

    public static String hmacName(int alg) {
        return "Hmac" + hashName(alg).replace("-", "");
    }

    public static int digestSize(int alg) {
        switch (alg) {
            case SHA1: return 20;
            case SHA256: return 32;
            case SHA384: return 48;
            case SHA512: return 64;
            default: throw new IllegalArgumentException("unsupported hash algorithm 0x" + Integer.toHexString(alg));
        }
    }

    public static MessageDigest digest(int alg) {
        try {
            return MessageDigest.getInstance(hashName(alg));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + hashName(alg), e);
        }
    }

    public static byte[] hash(int alg, byte[]... parts) {
        MessageDigest md = digest(alg);
        for (byte[] p : parts) {
            md.update(p);
        }
        return md.digest();
    }

    /** The JCA standard name of a TPM curve, e.g. {@code secp256r1}. */
    public static String curveName(int curve) {
        switch (curve) {
            case ECC_NIST_P256: return "secp256r1";
            case ECC_NIST_P384: return "secp384r1";
            case ECC_NIST_P521: return "secp521r1";
            default: throw new IllegalArgumentException("unsupported ECC curve 0x" + Integer.toHexString(curve));
        }
    }

    /** Size in bytes of a coordinate (and of a private scalar) on a TPM curve. */
    public static int curveBytes(int curve) {
        switch (curve) {
            case ECC_NIST_P256: return 32;
            case ECC_NIST_P384: return 48;
            case ECC_NIST_P521: return 66;
            default: throw new IllegalArgumentException("unsupported ECC curve 0x" + Integer.toHexString(curve));
        }
    }
}
