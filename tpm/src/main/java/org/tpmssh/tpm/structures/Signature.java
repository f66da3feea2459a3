package org.tpmssh.tpm.structures;

import java.math.BigInteger;
import java.util.Arrays;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;

/** TPMT_SIGNATURE for ECDSA (r, s) and RSASSA/RSAPSS (one big-endian blob). */
public record Signature(int sigAlg, int hash, byte[] r, byte[] s, byte[] rsa) {

    public static Signature read(TpmReader in) throws TpmFormatException {
        int alg = in.u16();
        switch (alg) {
            case Alg.ECDSA: {
                int hash = in.u16();
                return new Signature(alg, hash, in.tpm2b(), in.tpm2b(), null);
            }
            case Alg.RSASSA:
            case Alg.RSAPSS: {
                int hash = in.u16();
                return new Signature(alg, hash, null, null, in.tpm2b());
            }
            default:
                throw new TpmFormatException("unsupported signature algorithm 0x" + Integer.toHexString(alg));
        }
    }

    public boolean isEcdsa() {
        return sigAlg == Alg.ECDSA;
    }

    /** ECDSA as ASN.1 DER SEQUENCE { r INTEGER, s INTEGER }, the form JCA verifies. */
    public byte[] toDer() {
        if (!isEcdsa()) {
            throw new IllegalStateException("not an ECDSA signature");
        }
        byte[] ri = new BigInteger(1, r).toByteArray();
        byte[] si = new BigInteger(1, s).toByteArray();
        byte[] body = new byte[derLen(ri.length) + derLen(si.length)];
        int p = putInt(body, 0, ri);
        putInt(body, p, si);
        byte[] seqHeader = header(0x30, body.length);
        byte[] out = Arrays.copyOf(seqHeader, seqHeader.length + body.length);
        System.arraycopy(body, 0, out, seqHeader.length, body.length);
        return out;
    }

    private static int derLen(int n) {
        return header(0x02, n).length + n;
    }

    private static int putInt(byte[] dst, int at, byte[] v) {
        byte[] h = header(0x02, v.length);
        System.arraycopy(h, 0, dst, at, h.length);
        System.arraycopy(v, 0, dst, at + h.length, v.length);
        return at + h.length + v.length;
    }

    private static byte[] header(int tag, int len) {
        if (len < 0x80) {
            return new byte[] {(byte) tag, (byte) len};
        }
        if (len < 0x100) {
            return new byte[] {(byte) tag, (byte) 0x81, (byte) len};
        }
        return new byte[] {(byte) tag, (byte) 0x82, (byte) (len >>> 8), (byte) len};
    }
}
