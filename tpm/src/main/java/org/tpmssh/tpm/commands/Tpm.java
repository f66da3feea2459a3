package org.tpmssh.tpm.commands;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.sessions.HmacSession;
import org.tpmssh.tpm.sessions.Salt;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.transport.TpmTransport;
import org.tpmssh.tpm.transport.TransportException;

/**
 * Executes typed commands against one {@link TpmTransport}, one at a time, so threads may share
 * it; how it authorizes, encrypts and retries is in docs/tpm-layer.md.
 */
public final class Tpm implements AutoCloseable {
    static final int ST_NO_SESSIONS = 0x8001;
    static final int ST_SESSIONS = 0x8002;
    private static final int MAX_RETRIES = 8;

    private final TpmTransport transport;
    private final ReentrantLock lock = new ReentrantLock();
    private final SecureRandom random;
    private final Backoff backoff;
    /** Sessions this Tpm started, with the transport generation they belong to. */
    private final Map<HmacSession, Long> sessions = Collections.synchronizedMap(new IdentityHashMap<>());
    private volatile boolean closed;

    public Tpm(TpmTransport transport) {
        this(transport, new SecureRandom());
    }

    public Tpm(TpmTransport transport, SecureRandom random) {
        this(transport, random, Tpm::sleepBackoff);
    }

    /** How long to wait before retrying after the TPM's {@code attempt}-th TPM_RC_RETRY (or YIELDED, TESTING). */
    interface Backoff {
        void pause(int attempt) throws TpmException;
    }

    /** As above; tests that drive many retries (the fuzz targets) count the pauses instead of sleeping them. */
    Tpm(TpmTransport transport, SecureRandom random, Backoff backoff) {
        this.transport = transport;
        this.random = random;
        this.backoff = backoff;
    }

    public SecureRandom random() {
        return random;
    }

    /** The command lock; hold it across several commands that must not interleave with others. */
    public ReentrantLock lock() {
        return lock;
    }

    /** One command: encoded, authorized, sent, checked and decoded. */
    public Response execute(int cc, List<AuthHandle> auths, List<HandleRef> handles, byte[] params,
            boolean paramEncryptable, int responseHandles, boolean responseEncryptable) throws TpmException {
        if (closed) {
            throw new TpmException("this TPM connection is closed");
        }
        lock.lock();
        try {
            for (int attempt = 0; ; attempt++) {
                try {
                    return attempt(cc, auths, handles, params, paramEncryptable, responseHandles,
                            responseEncryptable);
                } catch (TpmResponseException e) {
                    int base = e.baseCode();
                    boolean transientRc = base == ResponseCodes.RETRY || base == ResponseCodes.YIELDED
                            || base == ResponseCodes.TESTING;
                    if (!transientRc || attempt >= MAX_RETRIES) {
                        throw e;
                    }
                    backoff.pause(attempt);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private static void sleepBackoff(int attempt) throws TpmException {
        try {
            Thread.sleep(Math.min(200, 5L << attempt));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new TpmException("interrupted while the TPM asked us to retry");
        }
    }

    private Response attempt(int cc, List<AuthHandle> auths, List<HandleRef> handles, byte[] plainParams,
            boolean paramEncryptable, int responseHandles, boolean responseEncryptable) throws TpmException {
        byte[] params = plainParams.clone();
        HmacSession decryptor = null;
        AuthHandle decryptorEntity = null;
        HmacSession encryptor = null;
        AuthHandle encryptorEntity = null;
        int[] attrs = new int[auths.size()];
        for (int i = 0; i < auths.size(); i++) {
            Session s = auths.get(i).session();
            if (s instanceof HmacSession h) {
                if (!h.isOpen()) {
                    throw new TpmException("session " + Handles.hex(h.handle()) + " was closed; start a new one");
                }
                h.rollNonceCaller(random);
                attrs[i] = h.attributesFor(paramEncryptable, responseEncryptable);
                if ((attrs[i] & HmacSession.DECRYPT) != 0 && decryptor == null) {
                    decryptor = h;
                    decryptorEntity = auths.get(i);
                } else {
                    attrs[i] &= ~HmacSession.DECRYPT;
                }
                if ((attrs[i] & HmacSession.ENCRYPT) != 0 && encryptor == null) {
                    encryptor = h;
                    encryptorEntity = auths.get(i);
                } else {
                    attrs[i] &= ~HmacSession.ENCRYPT;
                }
            } else {
                attrs[i] = HmacSession.CONTINUE_SESSION;
            }
        }
        if (decryptor != null) {
            decryptor.cfb(params, 2, firstTpm2bSize(params), decryptorEntity.authValue(), true);
        }

        TpmWriter w = new TpmWriter(64 + params.length);
        w.u16(auths.isEmpty() ? ST_NO_SESSIONS : ST_SESSIONS).u32(0).u32(cc);
        List<byte[]> names = new ArrayList<>();
        for (AuthHandle a : auths) {
            w.u32(a.handle());
            names.add(a.name());
        }
        for (HandleRef h : handles) {
            w.u32(h.handle());
            names.add(h.name());
        }
        if (!auths.isEmpty()) {
            int authSizeAt = w.length();
            w.u32(0);
            for (int i = 0; i < auths.size(); i++) {
                AuthHandle a = auths.get(i);
                w.u32(a.session().handle());
                if (a.session() instanceof HmacSession h) {
                    byte[] cpHash = cpHash(h.authHash(), cc, names, params);
                    byte[] hmac = h.commandHmac(cpHash, attrs[i], a.authValue(), a.name());
                    w.tpm2b(h.nonceCaller()).u8(attrs[i]).tpm2b(hmac);
                } else {
                    w.u16(0).u8(attrs[i]).tpm2b(a.authValue());
                }
            }
            w.patchU32(authSizeAt, w.length() - authSizeAt - 4);
        }
        w.bytes(params);
        w.patchU32(2, w.length());
        byte[] command = w.toByteArray();
        if (!auths.isEmpty()) {
            w.wipe(); // password sessions put authValues in the buffer
        }

        byte[] response;
        try {
            response = transport.transmit(command);
        } catch (TransportException e) {
            throw new TpmTransportException(e);
        } finally {
            java.util.Arrays.fill(command, (byte) 0);
        }
        try {
            return parse(cc, response, auths, responseHandles, encryptor, encryptorEntity);
        } catch (TpmFormatException e) {
            retireSessions(auths);
            throw new TpmException(e.getMessage() + " (command 0x" + Integer.toHexString(cc) + ")", e);
        }
    }

    /**
     * After a response we could not read or verify, our copy of each HMAC session's nonceTPM may no longer be
     * the TPM's: using the session again would make the TPM reject our HMAC as TPM_RC_AUTH_FAIL, which counts
     * toward dictionary-attack lockout although the PIN was right. So the session is flushed and forgotten, and
     * whoever holds it (KeyRing) starts a new one on the next command.
     */
    private void retireSessions(List<AuthHandle> auths) {
        for (AuthHandle a : auths) {
            if (a.session() instanceof HmacSession h && h.isOpen()) {
                try {
                    flushSession(h);
                } catch (TpmException e) {
                    System.getLogger(Tpm.class.getName()).log(System.Logger.Level.DEBUG,
                            "could not flush out-of-step session {0}: {1}", Handles.hex(h.handle()), e.getMessage());
                }
            }
        }
    }

    private Response parse(int cc, byte[] response, List<AuthHandle> auths, int responseHandles,
            HmacSession encryptor, AuthHandle encryptorEntity) throws TpmException {
        TpmReader r = new TpmReader(response);
        int tag = r.u16();
        long size = r.u32() & 0xFFFFFFFFL;
        int rc = r.u32();
        if (size != response.length) {
            throw new TpmFormatException("the TPM response is malformed: its size field says " + size
                    + " bytes but " + response.length + " arrived");
        }
        if (rc != ResponseCodes.SUCCESS) {
            throw new TpmResponseException(cc, rc);
        }
        int[] outHandles = new int[responseHandles];
        for (int i = 0; i < responseHandles; i++) {
            outHandles[i] = r.u32();
        }
        if (tag == ST_NO_SESSIONS) {
            if (!auths.isEmpty()) {
                throw new TpmFormatException("the TPM response is malformed: sessions were sent but none came back");
            }
            return new Response(outHandles, r.sub(r.remaining()));
        }
        if (tag != ST_SESSIONS) {
            throw new TpmFormatException("the TPM response is malformed: unknown tag 0x" + Integer.toHexString(tag));
        }
        int paramSize = r.u32();
        int paramStart = r.position();
        TpmReader paramReader = r.sub(paramSize);
        byte[] rawParams = new byte[paramSize];
        System.arraycopy(response, paramStart, rawParams, 0, paramSize);
        for (int i = 0; i < auths.size(); i++) {
            byte[] nonce = r.tpm2b();
            int a = r.u8();
            byte[] hmac = r.tpm2b();
            if (auths.get(i).session() instanceof HmacSession h) {
                byte[] rpHash = rpHash(h.authHash(), cc, rawParams);
                if (!h.acceptResponse(rpHash, nonce, a, hmac, auths.get(i).authValue(), auths.get(i).name())) {
                    retireSessions(auths);
                    throw new TpmException("the TPM's response HMAC does not verify for command 0x"
                            + Integer.toHexString(cc) + ": the response was altered in transit or the session was"
                            + " out of step; that session is closed and the next command starts a new one");
                }
            }
        }
        r.expectEnd("the response sessions");
        try {
            if (encryptor != null) {
                encryptor.cfb(rawParams, 2, firstTpm2bSize(rawParams), encryptorEntity.authValue(), false);
                return new Response(outHandles, new TpmReader(rawParams));
            }
            return new Response(outHandles, paramReader);
        } finally {
            for (AuthHandle a : auths) {
                if (a.session() instanceof HmacSession h && (h.attributesFor(true, true)
                        & HmacSession.CONTINUE_SESSION) == 0) {
                    forgetSession(h); // the TPM flushed it with this command's success
                }
            }
        }
    }

    /** The size of the TPM2B that opens a parameter area: the part parameter encryption covers. */
    private static int firstTpm2bSize(byte[] params) throws TpmFormatException {
        int n = params.length < 2 ? -1 : ((params[0] & 0xFF) << 8) | (params[1] & 0xFF);
        if (n < 0 || n + 2 > params.length) {
            throw new TpmFormatException("the TPM response is malformed: its encrypted parameter overruns"
                    + " the parameter area");
        }
        return n;
    }

    static byte[] cpHash(int hashAlg, int cc, List<byte[]> names, byte[] params) {
        java.security.MessageDigest md = Alg.digest(hashAlg);
        md.update(u32(cc));
        for (byte[] n : names) {
            md.update(n);
        }
        md.update(params);
        return md.digest();
    }

    static byte[] rpHash(int hashAlg, int cc, byte[] params) {
        java.security.MessageDigest md = Alg.digest(hashAlg);
        md.update(u32(ResponseCodes.SUCCESS));
        md.update(u32(cc));
        md.update(params);
        return md.digest();
    }

    private static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** Shorthand for a command with no handles and no sessions. */
    public Response executeSimple(int cc, byte[] params, int responseHandles) throws TpmException {
        return execute(cc, List.of(), List.of(), params, false, responseHandles, false);
    }

    /**
     * Starts an HMAC session salted to {@code saltKey} (its public area encrypts the salt) and
     * bound to {@code bind} (or unbound when null), with AES-128-CFB parameter encryption.
     * The session stays open for many commands and is flushed by {@link #close()}.
     */
    public HmacSession startHmacSession(int saltKeyHandle, TpmtPublic saltKey, AuthHandle bind, int attributes)
            throws TpmException {
        int hash = Alg.SHA256;
        byte[] nonceCaller = new byte[Alg.digestSize(hash)];
        random.nextBytes(nonceCaller);
        Salt salt = saltKey == null ? null : Salt.wrapTo(saltKey, "SECRET", random);
        try {
            TpmWriter p = new TpmWriter();
            p.tpm2b(nonceCaller).tpm2b(salt == null ? null : salt.encrypted()).u8(0x00 /* TPM_SE_HMAC */)
                    .u16(Alg.AES).u16(128).u16(Alg.CFB).u16(hash);
            List<HandleRef> handles = List.of(
                    saltKey == null ? HandleRef.of(Handles.RH_NULL) : HandleRef.of(saltKeyHandle),
                    bind == null ? HandleRef.of(Handles.RH_NULL) : HandleRef.of(bind.handle()));
            Response resp = execute(CommandCode.START_AUTH_SESSION, List.of(), handles, p.toByteArray(), false, 1,
                    false);
            byte[] nonceTpm = resp.params().tpm2b();
            HmacSession s = HmacSession.established(resp.handle(), hash, bind == null ? null : bind.authValue(),
                    bind == null ? null : bind.name(), salt == null ? null : salt.secret(), 128, attributes,
                    nonceCaller, nonceTpm);
            sessions.put(s, generation());
            return s;
        } finally {
            if (salt != null) {
                salt.wipe();
            }
        }
    }

    /**
     * Flushes a session this Tpm started. One from an earlier connection (see {@link #generation()}) is only
     * forgotten: its handle may now be another client's session.
     */
    public void flushSession(HmacSession s) throws TpmException {
        Long startedIn = sessions.remove(s);
        if (s.isOpen()) {
            s.invalidate();
            if (startedIn != null && startedIn == generation()) {
                new FlushContext(s.handle()).execute(this);
            }
        }
    }

    /**
     * After a reconnect, for a session this Tpm started on an earlier connection: flushes it if the TPM still
     * lists its handle among the loaded sessions, else forgets it. A TPM without a resource manager (swtpm,
     * tpm_server, /dev/tpm0) keeps a session when the connection that used it drops, and three such sessions
     * fill its slots for good. Behind a resource manager (/dev/tpmrm0, tpm2-abrmd) the old connection's sessions
     * were flushed with it or saved away, and a new connection sees none of them loaded, so nothing is sent.
     * The one case this cannot tell apart is another client that, on a TPM without a resource manager, flushed
     * our session and started its own at the same handle between our two connections (docs/tpm-layer.md).
     *
     * @throws TpmTransportException when the TPM cannot be reached; the session is forgotten either way
     */
    public void reclaimSession(HmacSession s) throws TpmTransportException {
        Long startedIn = sessions.remove(s);
        if (!s.isOpen()) {
            return;
        }
        int handle = s.handle();
        s.invalidate();
        if (startedIn == null) {
            return; // not ours to flush
        }
        try {
            if (GetCapability.handles(this, Handles.LOADED_SESSION_FIRST).contains(handle)) {
                new FlushContext(handle).execute(this);
            }
        } catch (TpmTransportException e) {
            throw e;
        } catch (TpmException e) {
            System.getLogger(Tpm.class.getName()).log(System.Logger.Level.DEBUG,
                    "could not reclaim session {0} after a reconnect: {1}", Handles.hex(handle), e.getMessage());
        }
    }

    /**
     * Forgets a session without flushing it: the TPM lost it (a reset), or another client flushed it and its
     * handle may now be someone else's.
     */
    public void forgetSession(HmacSession s) {
        sessions.remove(s);
        s.invalidate();
    }

    /**
     * The transport's connection count ({@link TpmTransport#generation()}): when it changes, handles and sessions
     * from before may be gone, or belong to someone else.
     */
    public long generation() {
        return transport.generation();
    }

    /** Sends raw bytes, bypassing the command layer; for benchmarks and fault tests. */
    public byte[] transmitRaw(byte[] command) throws TpmException {
        lock.lock();
        try {
            return transport.transmit(command);
        } catch (TransportException e) {
            throw new TpmTransportException(e);
        } finally {
            lock.unlock();
        }
    }

    public TpmTransport transport() {
        return transport;
    }

    /**
     * Flushes every session this Tpm started on the current connection, then closes the transport. When the TPM
     * cannot be reached, the rest are only forgotten: closing never waits for a TPM twice.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        List<HmacSession> open;
        synchronized (sessions) {
            open = new ArrayList<>(sessions.keySet());
        }
        boolean reachable = true;
        for (HmacSession s : open) {
            try {
                if (reachable) {
                    flushSession(s);
                } else {
                    sessions.remove(s);
                    s.invalidate();
                }
            } catch (TpmException e) {
                reachable = !(e instanceof TpmTransportException);
                System.getLogger(Tpm.class.getName()).log(System.Logger.Level.DEBUG,
                        "could not flush session {0}: {1}", Handles.hex(s.handle()), e.getMessage());
            }
        }
        closed = true;
        transport.close();
    }
}
