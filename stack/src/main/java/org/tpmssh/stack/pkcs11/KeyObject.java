package org.tpmssh.stack.pkcs11;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.TpmtPublic;

/** A key object as Cryptoki shows it: the private or the public half of one stored key, with its CKA attributes. */
final class KeyObject {
    private static final byte[] OID_P256 = HexFormat.of().parseHex("06082a8648ce3d030107");
    private static final byte[] OID_P384 = HexFormat.of().parseHex("06052b81040022");
    private static final byte[] OID_P521 = HexFormat.of().parseHex("06052b81040023");

    final String token;
    final KeyRecord record;
    final boolean isPrivate;

    KeyObject(String token, KeyRecord record, boolean isPrivate) {
        this.token = token;
        this.record = record;
        this.isPrivate = isPrivate;
    }

    boolean isEc() {
        return record.algorithm().startsWith("ecc-");
    }

    /** CKA_PRIVATE: the private half of a key that needs the PIN is visible only after login. */
    boolean needsLogin(boolean tokenPinless) {
        return isPrivate && !tokenPinless && !record.pinless();
    }

    Map<Long, Object> attributes(boolean tokenPinless) throws TpmFormatException {
        Map<Long, Object> a = new LinkedHashMap<>();
        a.put(Ck.CKA_CLASS, isPrivate ? Ck.CKO_PRIVATE_KEY : Ck.CKO_PUBLIC_KEY);
        a.put(Ck.CKA_TOKEN, true);
        a.put(Ck.CKA_PRIVATE, needsLogin(tokenPinless));
        a.put(Ck.CKA_LABEL, record.label().getBytes(StandardCharsets.UTF_8));
        a.put(Ck.CKA_ID, HexFormat.of().parseHex(record.id()));
        a.put(Ck.CKA_KEY_TYPE, isEc() ? Ck.CKK_EC : Ck.CKK_RSA);
        a.put(Ck.CKA_LOCAL, KeyRecord.CREATED.equals(record.origin()));
        a.put(Ck.CKA_MODIFIABLE, false);
        a.put(Ck.CKA_DERIVE, false);
        if (isPrivate) {
            a.put(Ck.CKA_SIGN, true);
            a.put(Ck.CKA_ALWAYS_AUTHENTICATE, false); // ssh asks; the login covers every signature
            a.put(Ck.CKA_DECRYPT, false); // sign-only TPM keys: pkcs11-tool asks for each usage
            a.put(Ck.CKA_UNWRAP, false);
            a.put(Ck.CKA_SIGN_RECOVER, false);
            a.put(Ck.CKA_SENSITIVE, true);
            a.put(Ck.CKA_EXTRACTABLE, false);
            a.put(Ck.CKA_ALWAYS_SENSITIVE, true);
            a.put(Ck.CKA_NEVER_EXTRACTABLE, KeyRecord.CREATED.equals(record.origin()));
        } else {
            a.put(Ck.CKA_VERIFY, true);
            a.put(Ck.CKA_ENCRYPT, false);
            a.put(Ck.CKA_WRAP, false);
            a.put(Ck.CKA_VERIFY_RECOVER, false);
        }
        TpmtPublic pub = record.tpmPublic();
        PublicKey jca = pub.toPublicKey();
        if (jca instanceof ECPublicKey ec) {
            int curve = pub.eccParms().curve();
            a.put(Ck.CKA_EC_PARAMS, curve == Alg.ECC_NIST_P256 ? OID_P256 : curve == Alg.ECC_NIST_P384 ? OID_P384
                    : OID_P521);
            a.put(Ck.CKA_EC_POINT, ecPoint(ec, Alg.curveBytes(curve)));
        } else if (jca instanceof RSAPublicKey rsa) {
            a.put(Ck.CKA_MODULUS, unsigned(rsa.getModulus()));
            a.put(Ck.CKA_MODULUS_BITS, (long) rsa.getModulus().bitLength());
            a.put(Ck.CKA_PUBLIC_EXPONENT, unsigned(rsa.getPublicExponent()));
        }
        return a;
    }

    /** CKA_EC_POINT: DER OCTET STRING holding the uncompressed point 04 || X || Y (PKCS#11 v2.40). */
    static byte[] ecPoint(ECPublicKey ec, int n) {
        byte[] pt = new byte[1 + 2 * n];
        pt[0] = 0x04;
        fixed(ec.getW().getAffineX(), pt, 1, n);
        fixed(ec.getW().getAffineY(), pt, 1 + n, n);
        byte[] hdr = pt.length < 0x80 ? new byte[] {0x04, (byte) pt.length}
                : new byte[] {0x04, (byte) 0x81, (byte) pt.length};
        byte[] out = Arrays.copyOf(hdr, hdr.length + pt.length);
        System.arraycopy(pt, 0, out, hdr.length, pt.length);
        return out;
    }

    static void fixed(BigInteger v, byte[] dst, int at, int n) {
        byte[] b = unsigned(v);
        System.arraycopy(b, 0, dst, at + n - b.length, b.length);
    }

    static byte[] unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }
}
