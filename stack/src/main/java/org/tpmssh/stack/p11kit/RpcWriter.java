package org.tpmssh.stack.p11kit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one response body: the call id, the call's response signature, then the values in the
 * signature's order (a mismatch is our bug and throws). Byte and ulong arrays can be written
 * "absent" with only their length, which is how the protocol answers a size query.
 */
final class RpcWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    private final RpcCall call;
    private final String signature;
    private int at;

    private RpcWriter(RpcCall call) {
        this.call = call;
        this.signature = call.response();
        u32(call.id());
        byte[] sig = signature.getBytes(StandardCharsets.US_ASCII);
        u32(sig.length);
        out.writeBytes(sig);
    }

    static RpcWriter response(RpcCall call) {
        return new RpcWriter(call);
    }

    /** The reply that carries only a CK_RV: how every failed call answers. */
    static byte[] error(long ckr) {
        return new RpcWriter(RpcCall.ERROR).ulong(ckr).toBytes();
    }

    RpcWriter ulong(long value) {
        part("u");
        u64(value);
        return this;
    }

    /** ay with the bytes. */
    RpcWriter byteArray(byte[] bytes) {
        part("ay");
        out.write(1);
        rawByteArray(bytes);
        return this;
    }

    /** ay without bytes: only the length the caller needs (a size query, or CKR_BUFFER_TOO_SMALL). */
    RpcWriter byteArrayLength(long length) {
        part("ay");
        out.write(0);
        u32(length);
        return this;
    }

    /** au with the values. */
    RpcWriter ulongArray(long[] values) {
        part("au");
        out.write(1);
        u32(values.length);
        for (long v : values) {
            u64(v);
        }
        return this;
    }

    /** au without values: only the count the caller needs. */
    RpcWriter ulongArrayLength(long count) {
        part("au");
        out.write(0);
        u32(count);
        return this;
    }

    /** s: UTF-8, cut at a character boundary and padded with spaces to {@code width} bytes. */
    RpcWriter spaceString(String text, int width) {
        part("s");
        byte[] padded = new byte[width];
        Arrays.fill(padded, (byte) ' ');
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(utf8.length, width);
        while (n < utf8.length && n > 0 && (utf8[n] & 0xc0) == 0x80) {
            n--; // do not split a multi-byte character
        }
        System.arraycopy(utf8, 0, padded, 0, n);
        rawByteArray(padded);
        return this;
    }

    /** v: CK_VERSION. */
    RpcWriter version(int major, int minor) {
        part("v");
        out.write(major);
        out.write(minor);
        return this;
    }

    /** aA: the answers to C_GetAttributeValue, each valid with its value or its length only, or unavailable. */
    RpcWriter attributes(Iterable<AttributeAnswer> answers, int count) {
        part("aA");
        u32(count);
        for (AttributeAnswer a : answers) {
            u32(a.type());
            if (a.unavailable()) {
                out.write(0);
                continue;
            }
            out.write(1);
            AttributeKind kind = AttributeKind.of(a.type());
            u32(a.length());
            Object v = a.value(); // null: the caller asked for the length only
            switch (kind) {
                case BYTE -> out.write(v == null ? 0 : asLong(v) != 0 ? 1 : 0);
                case ULONG -> u64(v == null ? 0 : asLong(v));
                case MECHANISM_ARRAY -> {
                    long[] m = v == null ? new long[0] : (long[]) v;
                    u32(m.length);
                    for (long x : m) {
                        u64(x);
                    }
                }
                default -> rawByteArray(v == null ? null : (byte[]) v);
            }
        }
        return this;
    }

    byte[] toBytes() {
        if (at != signature.length()) {
            throw new IllegalStateException(call + ": wrote only '" + signature.substring(0, at) + "' of '"
                    + signature + "'");
        }
        return out.toByteArray();
    }

    private static long asLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    private void part(String expected) {
        if (!signature.startsWith(expected, at)) {
            throw new IllegalStateException(call + ": writing '" + expected + "' at " + at + " of '" + signature + "'");
        }
        at += expected.length();
    }

    private void rawByteArray(byte[] bytes) {
        if (bytes == null) {
            u32(0xffff_ffffL);
            return;
        }
        u32(bytes.length);
        out.writeBytes(bytes);
    }

    private void u32(long v) {
        out.write((int) (v >>> 24));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 8));
        out.write((int) v);
    }

    private void u64(long v) {
        u32(v >>> 32);
        u32(v & 0xffff_ffffL);
    }
}
