package org.tpmssh.tpm.marshal;

import java.util.Arrays;

/**
 * Bounded big-endian reader for TPM responses: a truncated or lying response becomes a
 * {@link TpmFormatException}, never an out-of-bounds read or a huge allocation.
 */
public final class TpmReader {
    private final byte[] buf;
    private int pos;
    private final int end;

    public TpmReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    public TpmReader(byte[] buf, int off, int len) {
        if (off < 0 || len < 0 || off + len > buf.length) {
            throw new IllegalArgumentException("bad bounds");
        }
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    private void need(int n, String what) throws TpmFormatException {
        if (n < 0 || end - pos < n) {
            throw new TpmFormatException("the TPM response is malformed: " + what + " needs " + n
                    + " bytes but only " + (end - pos) + " remain");
        }
    }

    public int u8() throws TpmFormatException {
        need(1, "a byte");
        return buf[pos++] & 0xFF;
    }

    public int u16() throws TpmFormatException {
        need(2, "a UINT16");
        int v = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    public int u32() throws TpmFormatException {
        need(4, "a UINT32");
        int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16)
                | ((buf[pos + 2] & 0xFF) << 8) | (buf[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    public long u64() throws TpmFormatException {
        long hi = u32() & 0xFFFFFFFFL;
        return (hi << 32) | (u32() & 0xFFFFFFFFL);
    }

    public byte[] bytes(int n) throws TpmFormatException {
        need(n, "a byte string");
        byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return out;
    }

    /** A TPM2B: u16 size, then that many bytes. */
    public byte[] tpm2b() throws TpmFormatException {
        int n = u16();
        return bytes(n);
    }

    /** A sized structure: returns a reader over exactly its body and skips past it. */
    public TpmReader sized() throws TpmFormatException {
        int n = u16();
        need(n, "a sized structure");
        TpmReader r = new TpmReader(buf, pos, n);
        pos += n;
        return r;
    }

    /** A reader over the next {@code n} bytes; advances past them. */
    public TpmReader sub(int n) throws TpmFormatException {
        need(n, "a parameter area");
        TpmReader r = new TpmReader(buf, pos, n);
        pos += n;
        return r;
    }

    public int position() {
        return pos;
    }

    public int remaining() {
        return end - pos;
    }

    /** Fails when bytes are left over: a structure that claims less than it carries is malformed too. */
    public void expectEnd(String what) throws TpmFormatException {
        if (pos != end) {
            throw new TpmFormatException("the TPM response is malformed: " + (end - pos)
                    + " unexpected bytes after " + what);
        }
    }
}
