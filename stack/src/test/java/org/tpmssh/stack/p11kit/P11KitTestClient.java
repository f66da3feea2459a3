package org.tpmssh.stack.p11kit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A p11-kit RPC client for tests, written apart from the server's codec (so a shared mistake cannot
 * hide): it frames requests as p11-kit-client.so does (rpc-transport.c, rpc-message.c) and decodes
 * the replies. Calls are numbered by their position in p11-kit's table.
 */
final class P11KitTestClient implements AutoCloseable {
    static final byte[] HANDSHAKE = "PRIVATE-GNOME-KEYRING-PKCS11-PROTOCOL-V-1".getBytes(StandardCharsets.US_ASCII);

    private final SocketChannel channel;
    private int code = 0x10;

    private P11KitTestClient(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects and exchanges the version byte; the server must answer 0. */
    static P11KitTestClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        P11KitTestClient c = new P11KitTestClient(ch);
        c.write(new byte[] {0});
        byte[] v = c.read(1);
        if (v[0] != 0) {
            throw new IOException("server answered protocol version " + v[0]);
        }
        return c;
    }

    /** A request body under construction. */
    static final class Request {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Request(int call, String signature) {
            u32(call);
            bytes(signature.getBytes(StandardCharsets.US_ASCII));
        }

        Request u8(int v) {
            out.write(v);
            return this;
        }

        Request u32(long v) {
            out.write((int) (v >>> 24));
            out.write((int) (v >>> 16));
            out.write((int) (v >>> 8));
            out.write((int) v);
            return this;
        }

        Request u64(long v) {
            return u32(v >>> 32).u32(v & 0xffff_ffffL);
        }

        /** The low-level byte array: length and bytes, or 0xffffffff for none. */
        Request bytes(byte[] b) {
            if (b == null) {
                return u32(0xffff_ffffL);
            }
            u32(b.length);
            out.writeBytes(b);
            return this;
        }

        /** ay as the client writes it: a present flag, then the array or only its length. */
        Request byteArray(byte[] b) {
            if (b == null) {
                return u8(0).u32(0);
            }
            return u8(1).bytes(b);
        }

        /** aA of CK_ULONG and byte-array attributes (the only kinds these tests send). */
        Request template(long[] types, Object[] values) {
            u32(types.length);
            for (int i = 0; i < types.length; i++) {
                u32(types[i]).u8(1);
                if (values[i] instanceof Long l) {
                    u32(8).u64(l);
                } else if (values[i] instanceof Boolean b) {
                    u32(1).u8(b ? 1 : 0);
                } else {
                    byte[] v = (byte[]) values[i];
                    u32(v.length).bytes(v);
                }
            }
            return this;
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    /** A reply: the call id it names, and a cursor over the values after its signature. */
    static final class Reply {
        final long call;
        final String signature;
        private final ByteBuffer in;

        Reply(byte[] body) {
            in = ByteBuffer.wrap(body);
            call = in.getInt() & 0xffff_ffffL;
            byte[] sig = new byte[in.getInt()];
            in.get(sig);
            signature = new String(sig, StandardCharsets.US_ASCII);
        }

        boolean isError() {
            return call == 0;
        }

        /** The CK_RV of an ERROR reply, or 0 for a normal one. */
        long ckr() {
            return isError() ? in.getLong(in.position()) : 0;
        }

        long u64() {
            return in.getLong();
        }

        int u8() {
            return in.get() & 0xff;
        }

        /** ay: the bytes, or null with only a length (read {@link #lastLength}). */
        byte[] byteArray() {
            int valid = u8();
            if (valid == 0) {
                lastLength = in.getInt() & 0xffff_ffffL;
                return null;
            }
            return raw();
        }

        long lastLength;

        byte[] raw() {
            long n = in.getInt() & 0xffff_ffffL;
            if (n == 0xffff_ffffL) {
                return null;
            }
            byte[] b = new byte[(int) n];
            in.get(b);
            lastLength = n;
            return b;
        }

        /** au: the values, or null with only a count in {@link #lastLength}. */
        long[] ulongArray() {
            int valid = u8();
            long n = in.getInt() & 0xffff_ffffL;
            lastLength = n;
            if (valid == 0) {
                return null;
            }
            long[] v = new long[(int) n];
            for (int i = 0; i < n; i++) {
                v[i] = in.getLong();
            }
            return v;
        }

        String spaceString() {
            return new String(raw(), StandardCharsets.UTF_8);
        }

        int[] version() {
            return new int[] {u8(), u8()};
        }

        /** One aA entry: null value when unavailable; for CK_ULONG types a Long, bools a Boolean, else byte[]. */
        Object[] attribute(boolean ulong, boolean bool) {
            long type = in.getInt() & 0xffff_ffffL;
            if (u8() == 0) {
                return new Object[] {type, null, -1L};
            }
            long length = in.getInt() & 0xffff_ffffL;
            Object value = ulong ? (Object) in.getLong() : bool ? (Object) (u8() != 0) : raw();
            return new Object[] {type, value, length};
        }

        long u32count() {
            return in.getInt() & 0xffff_ffffL;
        }

        int remaining() {
            return in.remaining();
        }
    }

    Reply call(Request r) throws IOException {
        return new Reply(send(r.toBytes()));
    }

    /** Sends one framed body and returns the reply's body. */
    byte[] send(byte[] body) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(12 + 6 + body.length);
        header.putInt(code++).putInt(6).putInt(body.length).put("client".getBytes(StandardCharsets.US_ASCII))
                .put(body).flip();
        write(header);
        return readReply();
    }

    /** Sends bytes exactly as given, header included. */
    void sendRaw(byte[] bytes) throws IOException {
        write(ByteBuffer.wrap(bytes));
    }

    byte[] readReply() throws IOException {
        ByteBuffer h = ByteBuffer.wrap(read(12));
        h.getInt();
        int options = h.getInt();
        int length = h.getInt();
        read(options);
        return read(length);
    }

    /** True when the server hung up: the next read sees end of stream. */
    boolean closedByServer() throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        return channel.read(one) < 0;
    }

    private void write(byte[] b) throws IOException {
        write(ByteBuffer.wrap(b));
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private byte[] read(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) {
                throw new EOFException("the server hung up after " + b.position() + " of " + n + " bytes");
            }
        }
        return b.array();
    }

    // ---- the calls the tests make, by p11-kit's call numbers ----

    static final int C_INITIALIZE = 1;
    static final int C_FINALIZE = 2;
    static final int C_GET_INFO = 3;
    static final int C_GET_SLOT_LIST = 4;
    static final int C_GET_SLOT_INFO = 5;
    static final int C_GET_TOKEN_INFO = 6;
    static final int C_GET_MECHANISM_LIST = 7;
    static final int C_GET_MECHANISM_INFO = 8;
    static final int C_OPEN_SESSION = 10;
    static final int C_CLOSE_SESSION = 11;
    static final int C_GET_SESSION_INFO = 13;
    static final int C_INIT_PIN = 14;
    static final int C_SET_PIN = 15;
    static final int C_LOGIN = 18;
    static final int C_LOGOUT = 19;
    static final int C_GET_ATTRIBUTE_VALUE = 24;
    static final int C_FIND_OBJECTS_INIT = 26;
    static final int C_FIND_OBJECTS = 27;
    static final int C_FIND_OBJECTS_FINAL = 28;
    static final int C_ENCRYPT_INIT = 29;
    static final int C_SIGN_INIT = 42;
    static final int C_SIGN = 43;
    static final int C_SIGN_UPDATE = 44;
    static final int C_SIGN_FINAL = 45;
    static final int C_VERIFY_INIT = 48;
    static final int C_GENERATE_KEY_PAIR = 59;
    static final int C_SEED_RANDOM = 63;
    static final int C_GENERATE_RANDOM = 64;

    Reply initialize() throws IOException {
        return call(new Request(C_INITIALIZE, "ayyay").byteArray(HANDSHAKE).u8(0).byteArray(new byte[] {0}));
    }

    List<Long> slots() throws IOException {
        Reply r = call(new Request(C_GET_SLOT_LIST, "yfu").u8(1).u32(16));
        List<Long> out = new ArrayList<>();
        for (long s : r.ulongArray()) {
            out.add(s);
        }
        return out;
    }

    /** CK_TOKEN_INFO's label and flags. */
    Object[] tokenInfo(long slot) throws IOException {
        Reply r = call(new Request(C_GET_TOKEN_INFO, "u").u64(slot));
        if (r.isError()) {
            throw new IOException("C_GetTokenInfo failed: 0x" + Long.toHexString(r.ckr()));
        }
        String label = r.spaceString().strip();
        r.spaceString();
        r.spaceString();
        r.spaceString();
        return new Object[] {label, r.u64()};
    }

    long openSession(long slot) throws IOException {
        Reply r = call(new Request(C_OPEN_SESSION, "uu").u64(slot).u64(0x6)); // CKF_SERIAL_SESSION | CKF_RW_SESSION
        if (r.isError()) {
            throw new IOException("C_OpenSession failed: 0x" + Long.toHexString(r.ckr()));
        }
        return r.u64();
    }

    long login(long session, long userType, String pin) throws IOException {
        return call(new Request(C_LOGIN, "uuay").u64(session).u64(userType)
                .byteArray(pin.getBytes(StandardCharsets.UTF_8))).ckr();
    }

    List<Long> find(long session, long[] types, Object[] values) throws IOException {
        Reply init = call(new Request(C_FIND_OBJECTS_INIT, "uaA").u64(session).template(types, values));
        if (init.isError()) {
            throw new IOException("C_FindObjectsInit failed: 0x" + Long.toHexString(init.ckr()));
        }
        List<Long> out = new ArrayList<>();
        while (true) {
            long[] batch = call(new Request(C_FIND_OBJECTS, "ufu").u64(session).u32(2)).ulongArray();
            for (long h : batch) {
                out.add(h);
            }
            if (batch.length < 2) {
                break;
            }
        }
        call(new Request(C_FIND_OBJECTS_FINAL, "u").u64(session));
        return out;
    }

    /** One byte-array attribute's value, asked for as ssh does: its length first, then with a buffer. */
    byte[] bytesAttribute(long session, long object, long type) throws IOException {
        Reply size = call(new Request(C_GET_ATTRIBUTE_VALUE, "uufA").u64(session).u64(object).u32(1).u32(type).u32(0));
        if (size.isError()) {
            throw new IOException("C_GetAttributeValue failed: 0x" + Long.toHexString(size.ckr()));
        }
        size.u32count();
        Object[] a = size.attribute(false, false);
        long length = (Long) a[2];
        Reply value = call(new Request(C_GET_ATTRIBUTE_VALUE, "uufA").u64(session).u64(object).u32(1).u32(type)
                .u32(length));
        value.u32count();
        return (byte[]) value.attribute(false, false)[1];
    }

    long ulongAttribute(long session, long object, long type) throws IOException {
        Reply r = call(new Request(C_GET_ATTRIBUTE_VALUE, "uufA").u64(session).u64(object).u32(1).u32(type).u32(8));
        r.u32count();
        return (Long) r.attribute(true, false)[1];
    }

    /** C_SignInit without parameters; its CK_RV. */
    long signInit(long session, long mechanism, long key) throws IOException {
        return call(new Request(C_SIGN_INIT, "uMu").u64(session).u32(mechanism).bytes(null).u64(key)).ckr();
    }

    long signInitPss(long session, long key, long hashAlg, long mgf, long saltLen) throws IOException {
        return call(new Request(C_SIGN_INIT, "uMu").u64(session).u32(0xD).u64(hashAlg).u64(mgf).u64(saltLen)
                .u64(key)).ckr();
    }

    Reply sign(long session, byte[] data, long room) throws IOException {
        return call(new Request(C_SIGN, "uayfy").u64(session).byteArray(data).u32(room));
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
