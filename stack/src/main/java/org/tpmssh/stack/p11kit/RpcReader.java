package org.tpmssh.stack.p11kit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one request body in the order its call's signature prescribes. Every length and count
 * from the wire is checked against the bytes that are left before anything is allocated, so a
 * hostile length costs nothing; any mismatch is an {@link RpcFormatException} naming the field.
 */
final class RpcReader {
    /** p11-kit refuses byte arrays of 0x7fffffff bytes or more; 0xffffffff means "no array". */
    private static final long NO_ARRAY = 0xffff_ffffL;
    private static final long MAX_ARRAY = 0x7fff_ffffL;

    private final ByteBuffer in;
    private final RpcCall call;
    private final String signature;
    private int at;

    private RpcReader(ByteBuffer in, RpcCall call) {
        this.in = in;
        this.call = call;
        this.signature = call.request();
    }

    /** Reads the call id and checks the signature the client sent against the call's own. */
    static RpcReader request(byte[] body) throws RpcFormatException {
        ByteBuffer in = ByteBuffer.wrap(body);
        if (in.remaining() < 4) {
            throw new RpcFormatException("the message is " + body.length + " bytes, too short for a call id");
        }
        long id = in.getInt() & 0xffff_ffffL;
        RpcCall call = RpcCall.of(id).filter(c -> c != RpcCall.ERROR)
                .orElseThrow(() -> new RpcFormatException("call id " + id + " is not a p11-kit RPC call"));
        RpcReader r = new RpcReader(in, call);
        byte[] sent = r.rawByteArray("signature");
        if (sent == null || !Arrays.equals(sent, call.request().getBytes(StandardCharsets.US_ASCII))) {
            throw new RpcFormatException(call + " came with signature '"
                    + (sent == null ? "(none)" : new String(sent, StandardCharsets.US_ASCII)) + "', expected '"
                    + call.request() + "'");
        }
        return r;
    }

    RpcCall call() {
        return call;
    }

    /** y */
    int readByte() throws RpcFormatException {
        part("y");
        return u8("byte");
    }

    /** u: a CK_ULONG, 8 bytes on the wire. */
    long readUlong() throws RpcFormatException {
        part("u");
        return u64("ulong");
    }

    /** ay: the bytes, or null when the caller passed no array. */
    byte[] readByteArray() throws RpcFormatException {
        part("ay");
        if (u8("byte array flag") == 0) {
            u32("byte array length"); // only the length of an absent array is sent
            return null;
        }
        return rawByteArray("byte array");
    }

    /**
     * fy: how many bytes the caller has room for; 0 asks for the length only. p11-kit 0.25 and
     * later send 0xffffffff for a buffer of length 0, which is no size query.
     */
    long readByteBuffer() throws RpcFormatException {
        part("fy");
        long n = u32("byte buffer length");
        return n == NO_ARRAY ? EMPTY_BUFFER : n;
    }

    /** The value {@link #readByteBuffer} gives for a buffer that exists but holds nothing. */
    static final long EMPTY_BUFFER = -1;

    /** fu: how many ulongs the caller has room for; 0 asks for the count only. */
    long readUlongBuffer() throws RpcFormatException {
        part("fu");
        return u32("ulong buffer length");
    }

    /** fA: the attribute types the caller asks for, each with the length of its buffer (0: length only). */
    List<AttributeQuery> readAttributeBuffer() throws RpcFormatException {
        part("fA");
        long n = count("attribute buffer", 8);
        List<AttributeQuery> out = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            long type = u32("attribute type");
            out.add(new AttributeQuery(type, u32("attribute buffer length")));
        }
        return out;
    }

    /** aA: attributes with their values, as a template. */
    List<Attribute> readAttributeArray() throws RpcFormatException {
        part("aA");
        long n = count("attribute array", 5);
        List<Attribute> out = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            out.add(attribute());
        }
        return out;
    }

    /** M: a mechanism; p11-kit sends CKM_RSA_PKCS_PSS and CKM_RSA_PKCS_OAEP parameters as fields, others as bytes. */
    RpcMechanism readMechanism() throws RpcFormatException {
        part("M");
        long type = u32("mechanism type");
        if (type == RpcMechanism.RSA_PKCS_PSS) {
            return RpcMechanism.pss(u64("PSS hashAlg"), u64("PSS mgf"), u64("PSS sLen"));
        }
        if (type == RpcMechanism.RSA_PKCS_OAEP) {
            u64("OAEP hashAlg");
            u64("OAEP mgf");
            u64("OAEP source");
            rawByteArray("OAEP source data");
            return new RpcMechanism(type, true, 0, 0, 0);
        }
        byte[] parameter = rawByteArray("mechanism parameter");
        return new RpcMechanism(type, parameter != null && parameter.length > 0, 0, 0, 0);
    }

    /** z: a string without its terminating NUL. */
    String readString() throws RpcFormatException {
        part("z");
        byte[] b = rawByteArray("string");
        return b == null ? "" : new String(b, StandardCharsets.UTF_8);
    }

    /** Every argument read, and nothing after them. */
    void end() throws RpcFormatException {
        if (at != signature.length()) {
            throw new RpcFormatException(call + ": read only '" + signature.substring(0, at) + "' of '" + signature
                    + "'");
        }
        if (in.hasRemaining()) {
            throw new RpcFormatException(call + " has " + in.remaining() + " bytes after its arguments");
        }
    }

    // ---- the wire's primitives ----

    private void part(String expected) {
        if (!signature.startsWith(expected, at)) {
            // A handler reading the wrong field is our bug, not the client's.
            throw new IllegalStateException(call + ": reading '" + expected + "' at " + at + " of '" + signature + "'");
        }
        at += expected.length();
    }

    private Attribute attribute() throws RpcFormatException {
        long type = u32("attribute type");
        if (u8("attribute validity") == 0) {
            return new Attribute(type, null);
        }
        u32("attribute length"); // the sender's ulValueLen; the value below carries its own length
        AttributeKind kind = AttributeKind.of(type);
        Object value = switch (kind) {
            case BYTE -> u8("CK_BBOOL value") != 0;
            case ULONG -> u64("CK_ULONG value");
            case DATE -> {
                byte[] date = rawByteArray("date value");
                if (date != null && date.length != 0 && date.length != 8) {
                    throw new RpcFormatException("a CK_DATE is 8 bytes, not " + date.length);
                }
                yield date == null ? new byte[0] : date;
            }
            case MECHANISM_ARRAY -> {
                long n = count("mechanism array", 8);
                long[] mechanisms = new long[(int) n];
                for (int i = 0; i < n; i++) {
                    mechanisms[i] = u64("mechanism");
                }
                yield mechanisms;
            }
            case ATTRIBUTE_ARRAY -> throw new RpcFormatException("attribute 0x" + Long.toHexString(type)
                    + " nests an attribute array, which this server does not accept");
            case BYTES -> {
                byte[] b = rawByteArray("attribute value");
                yield b == null ? new byte[0] : b;
            }
        };
        return new Attribute(type, value);
    }

    /** A count of elements that each take at least {@code minBytes}: more than the message can hold is malformed. */
    private long count(String what, int minBytes) throws RpcFormatException {
        long n = u32(what + " count");
        if (n > in.remaining() / minBytes) {
            throw new RpcFormatException(what + " claims " + n + " elements but only " + in.remaining()
                    + " bytes follow");
        }
        return n;
    }

    private byte[] rawByteArray(String what) throws RpcFormatException {
        long n = u32(what + " length");
        if (n == NO_ARRAY) {
            return null;
        }
        if (n >= MAX_ARRAY || n > in.remaining()) {
            throw new RpcFormatException(what + " claims " + n + " bytes but only " + in.remaining() + " follow");
        }
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    private int u8(String what) throws RpcFormatException {
        need(1, what);
        return in.get() & 0xff;
    }

    private long u32(String what) throws RpcFormatException {
        need(4, what);
        return in.getInt() & 0xffff_ffffL;
    }

    private long u64(String what) throws RpcFormatException {
        need(8, what);
        return in.getLong();
    }

    private void need(int n, String what) throws RpcFormatException {
        if (in.remaining() < n) {
            throw new RpcFormatException(call + ": the message ends inside the " + what);
        }
    }
}
