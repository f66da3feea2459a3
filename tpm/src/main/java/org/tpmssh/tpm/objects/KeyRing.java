package org.tpmssh.tpm.objects;

import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.Create;
import org.tpmssh.tpm.commands.Sign;
import org.tpmssh.tpm.commands.Startup;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.commands.Unseal;
import org.tpmssh.tpm.sessions.HmacSession;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.transport.TransportException;

/**
 * The TPM side of key storage: one SRK, HMAC sessions salted and bound to it, and the object
 * cache, through which keys are created and used; it recovers after a reconnect or a TPM reset (docs/tpm-layer.md).
 */
public final class KeyRing implements AutoCloseable {
    private final Tpm tpm;
    private final ObjectCache cache;
    private final TpmObject srk;
    private final SessionScope scope;
    private HmacSession session;
    private long generation;

    private KeyRing(Tpm tpm, ObjectCache cache, TpmObject srk, SessionScope scope) {
        this.tpm = tpm;
        this.cache = cache;
        this.srk = srk;
        this.scope = scope;
        this.generation = tpm.generation();
    }

    /** Starts the TPM if needed and makes the ECC P-256 SRK (tpm2_createprimary -C o -G ecc). */
    public static KeyRing open(Tpm tpm) throws TpmException {
        return open(tpm, Templates.srkEcc());
    }

    /** A ring that keeps one session and never touches objects it does not hold. */
    public static KeyRing open(Tpm tpm, TpmtPublic srkTemplate) throws TpmException {
        return open(tpm, srkTemplate, Leftovers.leaveAll(), SessionScope.PER_RING);
    }

    /**
     * Starts the TPM if needed and makes the SRK from {@code srkTemplate}. Under {@link Leftovers.FlushOurs} it then
     * flushes what a killed tpmssh left loaded: copies of this SRK and objects whose Names the caller passed, and
     * it does so again whenever the TPM runs out of object slots.
     */
    public static KeyRing open(Tpm tpm, TpmtPublic srkTemplate, Leftovers leftovers, SessionScope scope)
            throws TpmException {
        Startup.ensureStarted(tpm);
        ObjectCache cache = ObjectCache.forTpm(tpm, leftovers);
        TpmObject srk = cache.createPrimary(Handles.RH_OWNER, srkTemplate, "srk");
        try {
            cache.sweepLeftovers(); // now that the SRK's Name is known, its orphaned copies are provably ours
        } catch (TpmException | RuntimeException e) {
            cache.close();
            throw e;
        }
        return new KeyRing(tpm, cache, srk, scope);
    }

    public Tpm tpm() {
        return tpm;
    }

    public ObjectCache cache() {
        return cache;
    }

    public TpmObject srk() {
        return srk;
    }

    /** The salted, SRK-bound HMAC session with AES-128-CFB both ways; started on first use. */
    public HmacSession session() throws TpmException {
        tpm.lock().lock();
        try {
            sync();
            if (session == null || !session.isOpen()) {
                session = startSession();
            }
            return session;
        } finally {
            tpm.lock().unlock();
        }
    }

    /** Work for one command that uses an HMAC session. */
    @FunctionalInterface
    public interface SessionWork<T> {
        T apply(HmacSession session) throws TpmException;
    }

    /**
     * Runs {@code work} with a salted, SRK-bound HMAC session: the ring's own under {@link SessionScope#PER_RING};
     * under {@link SessionScope#PER_CALL} a new one that {@code work}'s command ends, so {@code work} must send
     * exactly one command with it. A session left open by a failed command is flushed here.
     */
    public <T> T withSession(SessionWork<T> work) throws TpmException {
        tpm.lock().lock();
        try {
            if (scope == SessionScope.PER_RING) {
                return work.apply(session());
            }
            sync();
            HmacSession s = startSession();
            s.endWithNextCommand();
            try {
                return work.apply(s);
            } catch (TpmResponseException e) {
                if (e.is(ResponseCodes.INITIALIZE) || ResponseCodes.staleSession(e.responseCode())) {
                    tpm.forgetSession(s); // gone with the reset, or flushed by someone: its handle is not ours now
                }
                throw e;
            } finally {
                if (s.isOpen()) {
                    flushQuietly(s);
                }
            }
        } finally {
            tpm.lock().unlock();
        }
    }

    private HmacSession startSession() throws TpmException {
        return cache.use(srk, h -> tpm.startHmacSession(h, srk.publicArea(),
                new AuthHandle(h, srk.name(), null, Session.password()), HmacSession.DECRYPT | HmacSession.ENCRYPT));
    }

    private void flushQuietly(HmacSession s) {
        try {
            tpm.flushSession(s);
        } catch (TpmException e) {
            System.getLogger(KeyRing.class.getName()).log(System.Logger.Level.DEBUG, "session flush failed: {0}",
                    e.getMessage());
        }
    }

    /**
     * Creates a key under the SRK from {@code template}, with {@code authValue} as its
     * authorization. The authValue travels only inside the encrypted first parameter.
     */
    public TpmObject create(TpmtPublic template, byte[] authValue, String label) throws TpmException {
        tpm.lock().lock();
        try {
            sync();
            Create.Result r = withSession(s -> cache.use(srk, h -> new Create(new AuthHandle(h, srk.name(), null, s),
                    template, authValue).execute(tpm)));
            return cache.register(srk, r.outPrivate(), r.outPublic(), label);
        } finally {
            tpm.lock().unlock();
        }
    }

    /**
     * Creates an object under the SRK and returns its private blob and public area without
     * registering it: a key to store ({@code data} null), or a sealed-data object holding
     * {@code data} (see {@code Templates.sealedData}). The authValue and data travel only inside
     * the encrypted first parameter.
     */
    public Create.Result createBlob(TpmtPublic template, byte[] authValue, byte[] data) throws TpmException {
        tpm.lock().lock();
        try {
            sync();
            return withSession(s -> cache.use(srk, h -> new Create(new AuthHandle(h, srk.name(), null, s), template,
                    authValue, data).execute(tpm)));
        } finally {
            tpm.lock().unlock();
        }
    }

    /**
     * Unseals a sealed-data object registered with {@link #register}. The authValue is proven by
     * an HMAC through the salted session and the data comes back encrypted by it, so neither
     * crosses the transport in clear. A TPM reset is recovered from once, as for {@link #sign}.
     */
    public byte[] unseal(TpmObject sealed, byte[] authValue) throws TpmException {
        return withResetRecovery(() -> withSession(s -> cache.use(sealed,
                h -> new Unseal(new AuthHandle(h, sealed.name(), authValue, s)).execute(tpm))));
    }

    /** Brings back a key created earlier, from its private blob and public area. */
    public TpmObject register(byte[] privateBlob, TpmtPublic publicArea, String label) {
        return cache.register(srk, privateBlob, publicArea, label);
    }

    /**
     * Signs a digest with a key. A key with a PIN is authorized through the HMAC session; an
     * empty authValue through a password session, which sends only the empty value. If the TPM
     * was reset under us (its handles and our session are gone), or the connection dropped, it is
     * reached again, the key is reloaded from its blob and the signature is tried once more.
     */
    public Signature sign(TpmObject key, byte[] authValue, byte[] digest, int scheme, int hash) throws TpmException {
        boolean pinless = authValue == null || authValue.length == 0;
        if (pinless) {
            return withResetRecovery(() -> cache.use(key, h -> new Sign(new AuthHandle(h, key.name(), authValue,
                    Session.password()), digest, scheme, hash).execute(tpm)));
        }
        return withResetRecovery(() -> withSession(s -> cache.use(key, h -> new Sign(new AuthHandle(h, key.name(),
                authValue, s), digest, scheme, hash).execute(tpm))));
    }

    /** One use of a loaded object that may meet a TPM reset. */
    @FunctionalInterface
    private interface TpmCall<T> {
        T call() throws TpmException;
    }

    /**
     * Runs {@code call} under the TPM lock, once more if the connection dropped under it (the retry opens a new
     * one, or fails at once with the reason the TPM is unreachable) or if the TPM was reset under us (then it
     * is started again and what we held is reloaded). A request is never retried after a timeout.
     */
    private <T> T withResetRecovery(TpmCall<T> call) throws TpmException {
        tpm.lock().lock();
        try {
            try {
                sync();
                return call.call();
            } catch (TpmTransportException e) {
                if (e.reason() != TransportException.Reason.LOST) {
                    throw e;
                }
                sync();
                return call.call();
            } catch (TpmResponseException e) {
                if (!looksLikeReset(e)) {
                    throw e;
                }
                recoverFromReset();
                return call.call();
            }
        } finally {
            tpm.lock().unlock();
        }
    }

    /**
     * TPM_RC_INITIALIZE (not started), or a handle or session reference the TPM no longer knows:
     * what a reset looks like from here. A wrong PIN is never one of these.
     */
    static boolean looksLikeReset(TpmResponseException e) {
        return e.is(ResponseCodes.INITIALIZE) || ResponseCodes.staleHandle(e.responseCode())
                || ResponseCodes.staleSession(e.responseCode());
    }

    /**
     * After the connection was reopened ({@link Tpm#generation()} moved on): the TPM may have restarted, and a
     * resource manager flushes a client's objects and sessions with its connection, while a TPM without one keeps
     * them. Starts the TPM if it needs it, reclaims the session ({@link Tpm#reclaimSession}) and checks every
     * handle by Name, before anything uses them.
     */
    private void sync() throws TpmException {
        long now = tpm.generation();
        if (now == generation) {
            return;
        }
        Startup.ensureStarted(tpm);
        reclaimSession();
        cache.revalidate();
        generation = now;
    }

    /** After a reconnect: the session the old connection used is flushed if the TPM still holds it. */
    private void reclaimSession() throws TpmException {
        HmacSession old = session;
        session = null;
        if (old != null) {
            tpm.reclaimSession(old);
        }
    }

    private void forgetSession() {
        if (session != null) {
            tpm.forgetSession(session); // nothing proves its handle is still ours, so it is never flushed
            session = null;
        }
    }

    /** Starts the TPM if it needs it, drops our stale handles and session, and lets them reload. */
    public void recoverFromReset() throws TpmException {
        tpm.lock().lock();
        try {
            Startup.ensureStarted(tpm);
            forgetSession();
            cache.forgetAfterReset();
        } finally {
            tpm.lock().unlock();
        }
    }

    /** Flushes the session and every loaded object; closes the TPM connection too. */
    @Override
    public void close() {
        tpm.lock().lock();
        try {
            if (session != null && session.isOpen()) {
                flushQuietly(session);
            }
            cache.close();
        } finally {
            tpm.lock().unlock();
            tpm.close();
        }
    }
}
