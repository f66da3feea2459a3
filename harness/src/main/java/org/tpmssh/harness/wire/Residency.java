package org.tpmssh.harness.wire;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * Proves a signature came from the TPM: a successful TPM2_Sign with that very key crossed the wire in the
 * window, or a TPM2_RSA_Decrypt with it, which is how tpm2-pkcs11 makes an RSA PKCS#1 v1.5 signature (it pads
 * the DigestInfo itself and has the TPM apply the private key). The key is named by its TPM Name, or by its
 * public key when only that is known (an SSH key from another stack). A stack that kept a software copy and
 * signed with it leaves no such exchange.
 */
public final class Residency {
    private Residency() {
    }

    /** The successful signing exchanges (TPM2_Sign, TPM2_RSA_Decrypt) whose key has this Name. */
    public static List<Exchange> signsByName(List<Exchange> exchanges, byte[] keyName) {
        return signs(exchanges, o -> o.hasName(keyName));
    }

    /** The successful signing exchanges whose key is this public key (ECC point or RSA modulus). */
    public static List<Exchange> signsByPublicKey(List<Exchange> exchanges, PublicKey key) {
        byte[] wanted = tpmForm(key);
        return signs(exchanges, o -> o.publicKey() != null && Arrays.equals(o.publicKey(), wanted));
    }

    /** Whether the TPM signed with the key of this Name during the operation. */
    public static boolean signedInTpm(Operation operation, byte[] keyName) {
        return !signsByName(operation.exchanges(), keyName).isEmpty();
    }

    private static List<Exchange> signs(List<Exchange> exchanges, Predicate<WireObject> key) {
        return exchanges.stream().filter(e -> (e.commandCode() == CommandCode.SIGN
                || e.commandCode() == CommandCode.RSA_DECRYPT) && e.responseCode() == 0
                && e.forwarded() && e.subject() != null && key.test(e.subject())).toList();
    }

    /** A JCA public key as the TPM's public area holds it: x || y, each the curve's size, or the modulus. */
    static byte[] tpmForm(PublicKey key) {
        if (key instanceof ECPublicKey ec) {
            int size = (ec.getParams().getCurve().getField().getFieldSize() + 7) / 8;
            byte[] x = unsigned(ec.getW().getAffineX(), size);
            byte[] y = unsigned(ec.getW().getAffineY(), size);
            byte[] xy = Arrays.copyOf(x, 2 * size);
            System.arraycopy(y, 0, xy, size, size);
            return xy;
        }
        if (key instanceof RSAPublicKey rsa) {
            return unsigned(rsa.getModulus(), (rsa.getModulus().bitLength() + 7) / 8);
        }
        throw new IllegalArgumentException("a TPM signing key is ECC or RSA, not " + key.getAlgorithm());
    }

    private static byte[] unsigned(BigInteger v, int size) {
        byte[] b = v.toByteArray();
        if (b.length == size) {
            return b;
        }
        byte[] out = new byte[size];
        int n = Math.min(b.length, size);
        System.arraycopy(b, b.length - n, out, size - n, n);
        return out;
    }
}
