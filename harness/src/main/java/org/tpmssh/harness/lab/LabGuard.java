package org.tpmssh.harness.lab;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.EvictControl;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.HandleRef;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.ObjectCache;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Handles;

/**
 * The rules of a run on someone else's TPM (docs/harness.md, "Lab safety"): it refuses one in lockout, persists only
 * when allowed, and proves at the end that the handle lists are as it found them.
 */
public final class LabGuard {
    /** TPM_PT_PERMANENT (PT_VAR + 0) and its inLockout bit (TPMA_PERMANENT bit 9). */
    static final int PT_PERMANENT = 0x200;
    static final int IN_LOCKOUT = 1 << 9;
    static final int HR_NV_INDEX = 0x01000000;
    static final int HR_LOADED_SESSION = 0x02000000;
    static final int HR_SAVED_SESSION = 0x03000000;
    /** The owner's persistent range, TPM 2.0 Part 2 / the TCG handle registry: 0x81000000-0x817FFFFF. */
    static final int PERSISTENT_LAST_OWNER = 0x817FFFFF;
    /** Where we look for free persistent handles: the end of the owner range, away from well-known ones. */
    static final int PERSISTENT_SEARCH_FROM = 0x817F0000;

    private static final Map<String, Integer> RANGES = ranges();

    private final boolean allowLabWrites;
    private final Map<String, List<Integer>> snapshot;
    private final List<Integer> persisted = Collections.synchronizedList(new ArrayList<>());

    private LabGuard(boolean allowLabWrites, Map<String, List<Integer>> snapshot) {
        this.allowLabWrites = allowLabWrites;
        this.snapshot = snapshot;
    }

    private static Map<String, Integer> ranges() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("transient objects", Handles.TRANSIENT_FIRST);
        m.put("persistent objects", Handles.PERSISTENT_FIRST);
        m.put("NV indices", HR_NV_INDEX);
        m.put("loaded sessions", HR_LOADED_SESSION);
        m.put("saved sessions", HR_SAVED_SESSION);
        return Collections.unmodifiableMap(m);
    }

    /**
     * Checks the TPM may be used and snapshots its handle lists. Sends only GetCapability.
     *
     * @throws LabSafetyException when the TPM is in dictionary-attack lockout
     */
    public static LabGuard begin(Tpm tpm, boolean allowLabWrites) throws TpmException, LabSafetyException {
        int permanent = GetCapability.property(tpm, PT_PERMANENT);
        if ((permanent & IN_LOCKOUT) != 0) {
            int recovery = GetCapability.properties(tpm, GetCapability.PT_LOCKOUT_RECOVERY, 1)
                    .getOrDefault(GetCapability.PT_LOCKOUT_RECOVERY, 0);
            throw new LabSafetyException("the TPM is in dictionary-attack lockout; refusing to run on it. Wait for"
                    + " it to recover (lockout recovery " + recovery + " s, failures decay over time) or ask its"
                    + " owner to reset it; this run never uses the lockout hierarchy");
        }
        return new LabGuard(allowLabWrites, handleLists(tpm));
    }

    /** Every handle the TPM reports in each range we guard, in order. */
    public static Map<String, List<Integer>> handleLists(Tpm tpm) throws TpmException {
        Map<String, List<Integer>> lists = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> range : RANGES.entrySet()) {
            lists.put(range.getKey(), List.copyOf(new TreeSet<>(GetCapability.handles(tpm, range.getValue()))));
        }
        return Collections.unmodifiableMap(lists);
    }

    public Map<String, List<Integer>> snapshot() {
        return snapshot;
    }

    public boolean allowLabWrites() {
        return allowLabWrites;
    }

    /**
     * Makes {@code key} persistent at a free owner handle that this guard chose, to be removed with
     * {@link #evict}. Owner auth is assumed empty, as it is on a lab machine provisioned for this.
     *
     * @throws LabSafetyException without {@code allowLabWrites}
     */
    public int persist(Tpm tpm, ObjectCache cache, TpmObject key) throws TpmException, LabSafetyException {
        if (!allowLabWrites) {
            throw new LabSafetyException("refusing to make an object persistent on a lab TPM; pass"
                    + " --allow-lab-writes (-Dtpmssh.allowLabWrites=true) to allow persistent handles that the run"
                    + " allocates and removes again");
        }
        tpm.lock().lock();
        try {
            List<Integer> used = GetCapability.handles(tpm, Handles.PERSISTENT_FIRST);
            int handle = PERSISTENT_SEARCH_FROM;
            while (used.contains(handle) && handle < PERSISTENT_LAST_OWNER) {
                handle++;
            }
            if (used.contains(handle)) {
                throw new LabSafetyException("no free persistent handle in 0x817f0000-0x817fffff");
            }
            int target = handle;
            cache.use(key, h -> {
                new EvictControl(AuthHandle.owner(), new HandleRef(h, key.name()), target).execute(tpm);
                return null;
            });
            persisted.add(target);
            return target;
        } finally {
            tpm.lock().unlock();
        }
    }

    /** Removes a persistent object this guard created; handles it did not create are refused. */
    public void evict(Tpm tpm, int handle, byte[] name) throws TpmException, LabSafetyException {
        if (!persisted.contains(handle)) {
            throw new LabSafetyException("refusing to evict " + Handles.hex(handle) + ": this run did not create it");
        }
        new EvictControl(AuthHandle.owner(), new HandleRef(handle, name), handle).execute(tpm);
        persisted.remove(Integer.valueOf(handle));
    }

    /** Handles this guard persisted and has not yet evicted. */
    public List<Integer> outstanding() {
        return List.copyOf(persisted);
    }

    /**
     * Compares the TPM's handle lists with the snapshot.
     *
     * @throws LabSafetyException naming every handle added or missing, per range
     */
    public void verifyUnchanged(Tpm tpm) throws TpmException, LabSafetyException {
        Map<String, List<Integer>> now = handleLists(tpm);
        List<String> differences = new ArrayList<>();
        for (String range : snapshot.keySet()) {
            List<Integer> added = new ArrayList<>(now.get(range));
            added.removeAll(snapshot.get(range));
            List<Integer> missing = new ArrayList<>(snapshot.get(range));
            missing.removeAll(now.get(range));
            if (!added.isEmpty()) {
                differences.add(range + " left behind: " + hex(added));
            }
            if (!missing.isEmpty()) {
                differences.add(range + " that were there before are gone: " + hex(missing));
            }
        }
        if (!differences.isEmpty()) {
            throw new LabSafetyException("LAB SAFETY: the run changed the TPM's handle lists ("
                    + String.join("; ", differences) + "). Remove the leftovers by hand (tpm2_evictcontrol,"
                    + " tpm2_flushcontext) and report this as a harness bug");
        }
    }

    private static String hex(List<Integer> handles) {
        return handles.stream().map(Handles::hex).toList().toString();
    }
}
