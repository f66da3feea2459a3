package org.tpmssh.tpm.marshal;

import java.util.Arrays;

/** Big-endian marshalling buffer for TPM 2.0 structures; grows as needed. */
public final class TpmWriter {
    private byte[] buf;
    private int len;

    public TpmWriter() {
        this(256);
    }

    public TpmWriter(int capacity) {
        buf = new byte[capacity];
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    public TpmWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    public TpmWriter u16(int v) {
        ensure(2);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public TpmWriter u32(int v) {
        ensure(4);
        buf[len++] = (byte) (v >>> 24);
        buf[len++] = (byte) (v >>> 16);
        buf[len++] = (byte) (v >>> 8);
        buf[len++] = (byte) v;
        return this;
    }

    public TpmWriter u64(long v) {
        u32((int) (v >>> 32));
        return u32((int) v);
    }

    public TpmWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    public TpmWriter bytes(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    /** A TPM2B: a u16 size, then the bytes. */
    public TpmWriter tpm2b(byte[] b) {
        if (b == null) {
            return u16(0);
        }
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("TPM2B too large: " + b.length + " bytes");
        }
        u16(b.length);
        return bytes(b);
    }

    /** Writes whatever {@code body} marshals, prefixed by its u16 size (a TPM2B of a structure). */
    public TpmWriter sized(Marshallable body) {
        int at = len;
        u16(0);
        body.marshal(this);
        int n = len - at - 2;
        buf[at] = (byte) (n >>> 8);
        buf[at + 1] = (byte) n;
        return this;
    }

    public TpmWriter put(Marshallable m) {
        m.marshal(this);
        return this;
    }

    /** Overwrites a u32 at an earlier position, for size fields known only at the end. */
    public void patchU32(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    public int length() {
        return len;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** Zeroes the internal buffer; for writers that held secrets. */
    public void wipe() {
        Arrays.fill(buf, (byte) 0);
        len = 0;
    }
}
