package org.tpmssh.tpm.commands;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.sessions.Kdf;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.FuzzedTpm;
import org.tpmssh.tpm.transport.TpmTransport;
import org.tpmssh.tpm.transport.TransportException;

/**
 * A fake TPM for the session fuzz target. It fakes the TPM's half of an unsalted, unbound HMAC session with
 * AES-128-CFB both ways: it starts the session itself, and answers each command authorized through it with a
 * record of the fuzzed stream ({@code ctrl u8, length u16, response handles and parameters}), encrypting the first
 * parameter when the command asked for it and MACing the response with the entity's authValue (what it knows of
 * its objects: {@code keyAuth} for keys, empty for hierarchies). Bit 0 of ctrl spoils the MAC, bit 1 skips the
 * encryption. Every other command gets the stream's next raw response frame ({@link FuzzedTpm}).
 */
final class SessionFakeTpm implements TpmTransport {
    static final int SESSION_HANDLE = 0x02000000;
    private static final int ENCRYPT = 0x40;

    private final FuzzedTpm stream;
    private final byte[] keyAuth;

    SessionFakeTpm(FuzzedTpm stream, byte[] keyAuth) {
        this.stream = stream;
        this.keyAuth = keyAuth.clone();
    }

    /** Whether {@code command} is authorized through this fake's session. */
    static boolean usesSession(byte[] command) {
        ByteBuffer c = ByteBuffer.wrap(command);
        if ((c.getShort(0) & 0xffff) != Tpm.ST_SESSIONS) {
            return false;
        }
        int at = 10 + (c.getInt(6) == CommandCode.EVICT_CONTROL ? 8 : 4) + 4;
        return command.length >= at + 4 && c.getInt(at) == SESSION_HANDLE;
    }

    @Override
    public byte[] transmit(byte[] command) throws TransportException {
        ByteBuffer c = ByteBuffer.wrap(command);
        int tag = c.getShort(0) & 0xffff;
        int cc = c.getInt(6);
        if (cc == CommandCode.START_AUTH_SESSION) {
            byte[] nonce = new byte[32];
            Arrays.fill(nonce, (byte) 0x5a);
            return frame(0x8001, new TpmWriter().u32(SESSION_HANDLE).tpm2b(nonce).toByteArray());
        }
        if (tag != Tpm.ST_SESSIONS) {
            return stream.nextFrame();
        }
        c.position(10);
        int authHandle = c.getInt();
        if (cc == CommandCode.EVICT_CONTROL) {
            c.getInt();
        }
        c.getInt(); // authorizationSize
        if (c.getInt() != SESSION_HANDLE) {
            return stream.nextFrame(); // a password session: nothing to play
        }
        byte[] nonceCaller = new byte[c.getShort() & 0xffff];
        c.get(nonceCaller);
        int attrs = c.get() & 0xff;
        if (stream.exhausted()) {
            throw new TransportException(TransportException.Reason.LOST, "the fake TPM has no more answers");
        }
        int ctrl = stream.take(1)[0] & 0xff;
        byte[] len = stream.take(2);
        byte[] payload = stream.take(len.length < 2 ? 0 : ((len[0] & 0xff) << 8) | (len[1] & 0xff));
        int handleBytes = Math.min(payload.length,
                TpmResponseFuzzTest.ONE_RESPONSE_HANDLE.contains(cc) ? 4 : 0);
        byte[] handles = Arrays.copyOf(payload, handleBytes);
        byte[] params = Arrays.copyOfRange(payload, handleBytes, payload.length);
        byte[] auth = Handles.type(authHandle) == 0x40 ? new byte[0] : keyAuth;
        byte[] nonceTpm = new byte[32];
        Arrays.fill(nonceTpm, (byte) ctrl);
        if ((attrs & ENCRYPT) != 0 && (ctrl & 2) == 0 && params.length >= 2) {
            int n = ((params[0] & 0xff) << 8) | (params[1] & 0xff);
            if (n + 2 <= params.length) {
                encrypt(params, n, auth, nonceTpm, nonceCaller);
            }
        }
        byte[] rpHash = Alg.hash(Alg.SHA256, new byte[4], new TpmWriter(4).u32(cc).toByteArray(), params);
        byte[] hmac = hmac(auth, rpHash, nonceTpm, nonceCaller, attrs);
        if ((ctrl & 1) != 0) {
            hmac[0] ^= 1;
        }
        return frame(Tpm.ST_SESSIONS, new TpmWriter().bytes(handles).u32(params.length).bytes(params)
                .tpm2b(nonceTpm).u8(attrs).tpm2b(hmac).toByteArray());
    }

    private static byte[] frame(int tag, byte[] body) {
        return new TpmWriter().u16(tag).u32(10 + body.length).u32(0).bytes(body).toByteArray();
    }

    /** The TPM's side of response encryption: KDFa(sessionKey || authValue, "CFB", nonceTPM, nonceCaller). */
    private static void encrypt(byte[] params, int n, byte[] auth, byte[] nonceTpm, byte[] nonceCaller) {
        byte[] keyIv = Kdf.kdfa(Alg.SHA256, auth, "CFB", nonceTpm, nonceCaller, 256);
        try {
            Cipher aes = Cipher.getInstance("AES/CFB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keyIv, 0, 16, "AES"), new IvParameterSpec(keyIv, 16, 16));
            byte[] out = aes.doFinal(params, 2, n);
            System.arraycopy(out, 0, params, 2, n);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The response HMAC, keyed with the authValue without its trailing zeros (the session key is empty). */
    private static byte[] hmac(byte[] auth, byte[] rpHash, byte[] nonceTpm, byte[] nonceCaller, int attrs) {
        int n = auth.length;
        while (n > 0 && auth[n - 1] == 0) {
            n--;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(n == 0 ? new byte[1] : Arrays.copyOf(auth, n), "HMAC"));
            mac.update(rpHash);
            mac.update(nonceTpm);
            mac.update(nonceCaller);
            mac.update((byte) attrs);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
    }
}
