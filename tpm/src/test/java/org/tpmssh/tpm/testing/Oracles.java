package org.tpmssh.tpm.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.generators.KDFCounterBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KDFCounterParameters;

/** Byte helpers and Bouncy Castle's KDFa (SP 800-108 counter mode): the independent side of the crypto tests. */
public final class Oracles {
    private Oracles() {
    }

    /** KDFa as Bouncy Castle computes it: HMAC counter mode over label || 0 || u || v || bits. */
    public static byte[] kdfa(Digest digest, byte[] key, String label, byte[] u, byte[] v, int bits) {
        byte[] fixed = concat(label.getBytes(StandardCharsets.US_ASCII), new byte[1], u, v, u32(bits));
        KDFCounterBytesGenerator bc = new KDFCounterBytesGenerator(new HMac(digest));
        bc.init(new KDFCounterParameters(key, null, fixed, 32));
        byte[] out = new byte[bits / 8];
        bc.generateBytes(out, 0, out.length);
        return out;
    }

    /** {@code v} as exactly {@code width} unsigned big-endian bytes. */
    public static byte[] unsigned(BigInteger v, int width) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[width];
        int n = Math.min(b.length, width);
        System.arraycopy(b, b.length - n, out, width - n, n);
        return out;
    }

    public static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** {@code n} bytes of a pattern that differs with {@code seed}. */
    public static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed + 7 * i);
        }
        return b;
    }

    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
