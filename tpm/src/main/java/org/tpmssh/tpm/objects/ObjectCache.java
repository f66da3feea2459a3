package org.tpmssh.tpm.objects;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.ContextLoad;
import org.tpmssh.tpm.commands.ContextSave;
import org.tpmssh.tpm.commands.CreatePrimary;
import org.tpmssh.tpm.commands.FlushContext;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Load;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Keeps our objects usable on TPMs with three transient slots and no resource manager, flushes a handle only after
 * checking that our object is still there, and frees slots a killed tpmssh filled as {@link Leftovers} allows
 * (docs/tpm-layer.md).
 */
public final class ObjectCache implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ObjectCache.class.getName());

    private final Tpm tpm;
    private final int maxLoaded;
    private final Leftovers leftovers;
    private final List<TpmObject> objects = new ArrayList<>();
    private long clock;
    private long generation;
    /** A child whose Load or ContextLoad lost its answer: the TPM may hold it at a handle we never learnt. */
    private TpmObject unanswered;

    /** A cache that keeps at most {@code maxLoaded} of its objects in the TPM at once and never flushes leftovers. */
    public ObjectCache(Tpm tpm, int maxLoaded) {
        this(tpm, maxLoaded, Leftovers.leaveAll());
    }

    /** A cache that keeps at most {@code maxLoaded} of its objects in the TPM at once. */
    public ObjectCache(Tpm tpm, int maxLoaded, Leftovers leftovers) {
        if (maxLoaded < 2) {
            throw new IllegalArgumentException("a parent and its child need two slots; got " + maxLoaded);
        }
        this.tpm = tpm;
        this.maxLoaded = maxLoaded;
        this.leftovers = leftovers;
        this.generation = tpm.generation();
    }

    /** A cache sized by the TPM's guaranteed transient slots (TPM_PT_HR_TRANSIENT_MIN, 3 on swtpm). */
    public static ObjectCache forTpm(Tpm tpm) throws TpmException {
        return forTpm(tpm, Leftovers.leaveAll());
    }

    /** As {@link #forTpm(Tpm)}, freeing slots that leftovers fill as {@code leftovers} allows. */
    public static ObjectCache forTpm(Tpm tpm, Leftovers leftovers) throws TpmException {
        int min = GetCapability.property(tpm, GetCapability.PT_HR_TRANSIENT_MIN);
        return new ObjectCache(tpm, Math.max(2, Math.min(min, 16)), leftovers);
    }

    public Tpm tpm() {
        return tpm;
    }

    /** Creates a primary key now and manages it. */
    public TpmObject createPrimary(int hierarchy, TpmtPublic template, String label) throws TpmException {
        tpm.lock().lock();
        try {
            makeRoom();
            CreatePrimary.Result r;
            while (true) {
                try {
                    r = makePrimary(hierarchy, template);
                    break;
                } catch (TpmResponseException e) {
                    freeSlotAfter(e);
                }
            }
            TpmObject o = new TpmObject(new TpmObject.Primary(hierarchy, template), r.outPublic(), label);
            o.handle = r.handle();
            o.lastUsed = ++clock;
            objects.add(o);
            return o;
        } finally {
            tpm.lock().unlock();
        }
    }

    /** Manages a key blob under a parent; it is loaded on first use. */
    public TpmObject register(TpmObject parent, byte[] privateBlob, TpmtPublic publicArea, String label) {
        tpm.lock().lock();
        try {
            TpmObject o = new TpmObject(new TpmObject.Child(parent, privateBlob.clone()), publicArea, label);
            objects.add(o);
            return o;
        } finally {
            tpm.lock().unlock();
        }
    }

    /** Work to do with an object's current handle. */
    public interface HandleWork<T> {
        T apply(int handle) throws TpmException;
    }

    /**
     * Runs {@code work} with the object loaded. The TPM lock is held throughout, so no other
     * thread can evict the object in between. Commands such as TPM2_Create need a scratch slot
     * of their own; when the TPM answers TPM_RC_OBJECT_MEMORY we evict another object and retry.
     * When a handle turns out stale (another client flushed it), the cache checks what it holds
     * and reloads the object from its blob, once.
     */
    public <T> T use(TpmObject o, HandleWork<T> work) throws TpmException {
        tpm.lock().lock();
        try {
            if (generation != tpm.generation()) {
                revalidate();
            }
            boolean reloaded = false;
            while (true) {
                int h = acquire(o);
                o.pins++;
                try {
                    return work.apply(h);
                } catch (TpmResponseException e) {
                    if (e.is(ResponseCodes.OBJECT_MEMORY)) {
                        freeSlotAfter(e);
                        continue;
                    }
                    if (reloaded || !ResponseCodes.staleHandle(e.responseCode())) {
                        throw e;
                    }
                    LOG.log(System.Logger.Level.INFO, "{0} was no longer loaded at its handle ({1}); another client"
                            + " flushed it. Reloading it from its blob", o, e.rcName());
                    reloaded = true;
                    revalidate();
                } finally {
                    o.pins--;
                }
            }
        } finally {
            tpm.lock().unlock();
        }
    }

    /**
     * Checks every handle we believe loaded by reading its Name back: ours stay, anything else (gone, or another
     * client's object in the slot) is forgotten without a flush and reloaded on next use. Run after a reconnect
     * ({@link Tpm#generation()} changed), a TPM reset or a stale handle.
     */
    public void revalidate() throws TpmException {
        tpm.lock().lock();
        try {
            long now = tpm.generation();
            for (TpmObject o : objects) {
                if (o.handle != 0 && !isOurs(o)) {
                    LOG.log(System.Logger.Level.DEBUG, "{0} is gone from its handle; will reload it", o);
                    o.handle = 0;
                }
            }
            adoptUnanswered();
            generation = now;
        } finally {
            tpm.lock().unlock();
        }
    }

    /**
     * After a Load whose answer was lost with its connection: a TPM without a resource manager loaded the key all
     * the same, at a handle we never learnt. A transient handle that none of our objects holds and whose Name is
     * that key's (ReadPublic) is taken as the key's handle, so it is used and flushed like any other instead of
     * filling a slot until the TPM restarts. Only a child key qualifies, whose Name comes from its own random
     * key and which only a holder of its blob can load; a primary's Name follows from its template, and another
     * client may hold the very same primary. With two candidates, neither is taken. Behind a resource manager
     * the new connection sees no object of the old one, so there is none.
     */
    private void adoptUnanswered() throws TpmException {
        TpmObject o = unanswered;
        unanswered = null;
        if (o == null || o.released || o.handle != 0 || !(o.source instanceof TpmObject.Child)) {
            return;
        }
        List<Integer> candidates = new ArrayList<>();
        for (int h : GetCapability.handles(tpm, Handles.TRANSIENT_FIRST)) {
            if (objects.stream().noneMatch(x -> x.handle == h) && hasName(h, o.name)) {
                candidates.add(h);
            }
        }
        if (candidates.size() == 1) {
            LOG.log(System.Logger.Level.DEBUG, "{0} was loaded at {1} by a Load whose answer was lost; using it",
                    o, Handles.hex(candidates.get(0)));
            o.handle = candidates.get(0);
        } else if (candidates.size() > 1) {
            LOG.log(System.Logger.Level.INFO, "{0} is loaded at {1} handles we do not hold; leaving them alone, as"
                    + " another client may use them", o, candidates.size());
        }
    }

    private boolean hasName(int handle, byte[] name) throws TpmException {
        try {
            return Arrays.equals(new ReadPublic(handle).execute(tpm).name(), name);
        } catch (TpmTransportException e) {
            throw e;
        } catch (TpmException e) {
            return false;
        }
    }

    /** Whether the object at {@code o.handle} has {@code o}'s Name: proof that flushing or using it touches ours. */
    private boolean isOurs(TpmObject o) throws TpmException {
        return hasName(o.handle, o.name); // false: no object there (TPM_RC_HANDLE), or not one with a public area
    }

    /** Flushes {@code o} if it is still ours at its handle, and forgets the handle either way. */
    private void flushIfOurs(TpmObject o) throws TpmException {
        try {
            if (isOurs(o)) {
                new FlushContext(o.handle).execute(tpm);
            } else {
                LOG.log(System.Logger.Level.DEBUG, "not flushing {0}: another object holds its handle now", o);
            }
        } finally {
            o.handle = 0;
        }
    }

    /** Flushes the object if it is loaded (and still ours at its handle) and forgets it. */
    public void release(TpmObject o) throws TpmException {
        tpm.lock().lock();
        try {
            o.saved = null;
            o.released = true;
            objects.remove(o);
            if (o.handle != 0) {
                flushIfOurs(o);
            }
        } finally {
            tpm.lock().unlock();
        }
    }

    /**
     * Context-saves and flushes every object of ours that is loaded and not in use, so that another client of a TPM
     * with few slots (swtpm has three) finds room; each is context-loaded again on its next use.
     */
    public void evictAll() throws TpmException {
        tpm.lock().lock();
        try {
            while (evictOne()) {
                // one object per round, least recently used first
            }
        } finally {
            tpm.lock().unlock();
        }
    }

    /** How many of our objects are in the TPM right now. */
    public int loadedCount() {
        tpm.lock().lock();
        try {
            return (int) objects.stream().filter(x -> x.handle != 0).count();
        } finally {
            tpm.lock().unlock();
        }
    }

    private int acquire(TpmObject o) throws TpmException {
        if (o.released) {
            throw new IllegalStateException(o + " was released");
        }
        o.lastUsed = ++clock;
        if (o.handle != 0) {
            return o.handle;
        }
        if (o.source instanceof TpmObject.Child child) {
            child.parent().pins++;
            try {
                int parentHandle = acquire(child.parent());
                load(o, parentHandle, child);
            } finally {
                child.parent().pins--;
            }
        } else {
            load(o, 0, null);
        }
        return o.handle;
    }

    private void load(TpmObject o, int parentHandle, TpmObject.Child child) throws TpmException {
        makeRoom();
        try {
            loadNow(o, parentHandle, child);
        } catch (TpmTransportException e) {
            unanswered = o; // the TPM may have loaded it; revalidate() looks for it after the reconnect
            throw e;
        }
    }

    private void loadNow(TpmObject o, int parentHandle, TpmObject.Child child) throws TpmException {
        if (o.saved != null) {
            try {
                o.handle = new ContextLoad(o.saved).execute(tpm);
                return;
            } catch (TpmResponseException e) {
                // A TPM restart invalidates saved contexts; fall back to the source.
                LOG.log(System.Logger.Level.DEBUG, "context of {0} no longer loads ({1}); reloading from source",
                        o.label, e.rcName());
                o.saved = null;
            }
        }
        while (true) {
            try {
                o.handle = loadFromSource(o, parentHandle, child);
                return;
            } catch (TpmResponseException e) {
                freeSlotAfter(e);
            }
        }
    }

    /**
     * After {@code e}: when it is TPM_RC_OBJECT_MEMORY, frees one slot (one of ours that is not in use, else what a
     * killed tpmssh left, as {@link Leftovers} allows) or says in one sentence what holds the slots; any other
     * error is thrown as it is.
     */
    private void freeSlotAfter(TpmResponseException e) throws TpmException {
        if (!e.is(ResponseCodes.OBJECT_MEMORY)) {
            throw e;
        }
        if (evictOne()) {
            return;
        }
        if (leftovers instanceof Leftovers.LeaveAll) {
            throw e;
        }
        Leftovers.Sweep sweep = sweepLeftovers();
        if (!sweep.flushed().isEmpty()) {
            return;
        }
        throw new ForeignObjectsException(Leftovers.blockedBy(sweep, maxLoaded), sweep.foreign(), e);
    }

    /**
     * Flushes the transient objects that we do not hold but whose Names prove them ours (the store's, passed in
     * {@link Leftovers.FlushOurs}, and those of every object this cache manages): what a killed tpmssh left
     * loaded. Anything else stays. Does nothing, and sends nothing, under {@link Leftovers.LeaveAll}.
     */
    public Leftovers.Sweep sweepLeftovers() throws TpmException {
        tpm.lock().lock();
        try {
            if (leftovers instanceof Leftovers.LeaveAll) {
                return new Leftovers.Sweep(List.of(), List.of());
            }
            List<Integer> held = new ArrayList<>();
            List<byte[]> names = new ArrayList<>();
            for (TpmObject o : objects) {
                if (o.handle != 0) {
                    held.add(o.handle);
                }
                names.add(o.name);
            }
            return leftovers.sweep(tpm, held, OwnNames.of(names));
        } finally {
            tpm.lock().unlock();
        }
    }

    private int loadFromSource(TpmObject o, int parentHandle, TpmObject.Child child) throws TpmException {
        if (child != null) {
            AuthHandle parent = new AuthHandle(parentHandle, child.parent().name, null, Session.password());
            return new Load(parent, child.privateBlob(), o.publicArea).execute(tpm).handle();
        }
        TpmObject.Primary p = (TpmObject.Primary) o.source;
        return makePrimary(p.hierarchy(), p.template()).handle();
    }

    /** CreatePrimary under a hierarchy whose authorization is empty, as the owner's is on a provisioned TPM. */
    private CreatePrimary.Result makePrimary(int hierarchy, TpmtPublic template) throws TpmException {
        return new CreatePrimary(AuthHandle.permanent(hierarchy, null, Session.password()), template, null)
                .execute(tpm);
    }

    /** Evicts until one more object fits, or until everything loaded is pinned. */
    private void makeRoom() throws TpmException {
        while (loadedCount() + 1 > maxLoaded) {
            if (!evictOne()) {
                return; // everything loaded is pinned; let the TPM decide
            }
        }
    }

    /** Context-saves (once) and flushes the least recently used unpinned object. */
    private boolean evictOne() throws TpmException {
        TpmObject victim = null;
        for (TpmObject x : objects) {
            if (x.handle != 0 && x.pins == 0 && (victim == null || x.lastUsed < victim.lastUsed)) {
                victim = x;
            }
        }
        if (victim == null) {
            return false;
        }
        if (!isOurs(victim)) {
            victim.handle = 0; // already gone: nothing of ours to save or flush
            return true;
        }
        if (victim.saved == null) {
            victim.saved = new ContextSave(victim.handle).execute(tpm);
        }
        new FlushContext(victim.handle).execute(tpm);
        victim.handle = 0;
        return true;
    }

    /**
     * After a TPM reset (power loss, simulator restart) every handle and saved context is void: checks
     * each handle as {@link #revalidate()} does (a reset leaves none of ours) and drops the saved contexts,
     * so each object is reloaded from its source on next use. Nothing is flushed.
     */
    public void forgetAfterReset() throws TpmException {
        tpm.lock().lock();
        try {
            revalidate();
            for (TpmObject o : objects) {
                o.saved = null;
            }
        } finally {
            tpm.lock().unlock();
        }
    }

    /**
     * Flushes each object of ours that is loaded, checking its Name first, and drops every saved context; with
     * {@code release} it also forgets them. Once the TPM cannot be reached, the rest are only forgotten.
     */
    private void flushAll(boolean release, System.Logger.Level failureLevel) {
        tpm.lock().lock();
        try {
            boolean reachable = true;
            for (TpmObject o : objects) {
                if (o.handle != 0 && reachable) {
                    try {
                        flushIfOurs(o);
                    } catch (TpmException e) {
                        reachable = !(e instanceof TpmTransportException);
                        LOG.log(failureLevel, "could not flush {0}: {1}", o, e.getMessage());
                    }
                }
                o.handle = 0;
                o.saved = null;
                o.released = release;
            }
            if (release) {
                objects.clear();
            }
        } finally {
            tpm.lock().unlock();
        }
    }

    /** Flushes every object we loaded; saved contexts are dropped. */
    @Override
    public void close() {
        flushAll(true, System.Logger.Level.WARNING);
    }
}
