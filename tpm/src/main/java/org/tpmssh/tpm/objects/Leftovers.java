package org.tpmssh.tpm.objects;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.commands.FlushContext;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The one rule for transient objects we find loaded but do not hold: on a simulator without a resource manager a
 * killed tpmssh leaves its objects there, and those whose Names prove them ours are flushed; anything else, and
 * everything on a device or behind a resource manager, is left alone (docs/tpm-layer.md, "Leftovers").
 */
public sealed interface Leftovers permits Leftovers.LeaveAll, Leftovers.FlushOurs {

    /** Touch nothing: a device (lab rules), or a resource manager, which flushes a client's objects with it. */
    record LeaveAll() implements Leftovers {
    }

    /** Flush objects whose Name is in {@code names} or is one of the ring's own; leave every other one. */
    record FlushOurs(OwnNames names) implements Leftovers {
    }

    /** What one sweep found: the handles it flushed, and those it left because nothing proves them ours. */
    record Sweep(List<Integer> flushed, List<Integer> foreign) {
        public Sweep {
            flushed = List.copyOf(flushed);
            foreign = List.copyOf(foreign);
        }
    }

    static Leftovers leaveAll() {
        return new LeaveAll();
    }

    /**
     * The rule by TPM: swtpm and the IBM/Microsoft simulator (through our transports or tpm2-tss's modules)
     * serve one client at a time, have no resource manager and keep a dead client's objects, so ours are flushed;
     * a device, tpm2-abrmd and any other TCTI are left alone.
     */
    static Leftovers forTcti(Tcti tcti, OwnNames names) {
        boolean simulator = tcti instanceof Tcti.Swtpm || tcti instanceof Tcti.Mssim
                || tcti instanceof Tcti.Loaded loaded && simulatorModule(loaded.module());
        return simulator ? new FlushOurs(names) : leaveAll();
    }

    private static boolean simulatorModule(String module) {
        String m = module.substring(module.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        return m.equals("swtpm") || m.equals("mssim") || m.startsWith("libtss2-tcti-swtpm.so")
                || m.startsWith("libtss2-tcti-mssim.so");
    }

    /**
     * Looks at every transient object the TPM holds except {@code held} (ours, in use) and flushes each whose Name
     * proves it ours: in {@link FlushOurs#names()} or {@code alsoOurs}. Under {@link LeaveAll} it only lists them.
     * Sends GetCapability, then ReadPublic and (for ours) FlushContext per handle; the caller holds the TPM lock.
     */
    default Sweep sweep(Tpm tpm, Collection<Integer> held, OwnNames alsoOurs) throws TpmException {
        List<Integer> flushed = new ArrayList<>();
        List<Integer> foreign = new ArrayList<>();
        for (int h : GetCapability.handles(tpm, Handles.TRANSIENT_FIRST)) {
            if (held.contains(h)) {
                continue;
            }
            if (this instanceof FlushOurs ours && isOneOf(tpm, h, ours.names(), alsoOurs)) {
                new FlushContext(h).execute(tpm);
                flushed.add(h);
            } else {
                foreign.add(h);
            }
        }
        if (!flushed.isEmpty()) {
            System.getLogger(Leftovers.class.getName()).log(System.Logger.Level.INFO, "flushed {0} object(s) a"
                    + " killed tpmssh left loaded ({1}); their Names are this store''s", flushed.size(),
                    hexList(flushed));
        }
        return new Sweep(flushed, foreign);
    }

    private static boolean isOneOf(Tpm tpm, int handle, OwnNames names, OwnNames alsoOurs) throws TpmException {
        byte[] name;
        try {
            name = ReadPublic.name(tpm, handle);
        } catch (TpmTransportException e) {
            throw e;
        } catch (TpmException e) {
            return false; // a sequence object, or gone: nothing we can identify
        }
        return names.contains(name) || alsoOurs.contains(name);
    }

    /**
     * The sentence for slots that stay full after a sweep: the objects in them belong to another program, which
     * we never touch, and the user can free them with tpm2_flushcontext once that program is done with them.
     */
    static String blockedBy(Sweep sweep, int slots) {
        List<Integer> foreign = sweep.foreign();
        String one = foreign.isEmpty() ? "" : " or `tpm2_flushcontext " + Handles.hex(foreign.get(0)) + "` (one)";
        return "the TPM's object slots are full" + (slots > 0 ? " (it holds " + slots + ")" : "") + ": "
                + (foreign.isEmpty() ? "no object that another program left is visible to free"
                : foreign.size() + " of them (" + hexList(foreign) + ") hold objects that belong to another program;"
                + " tpmssh cannot prove they are its own and leaves them alone")
                + (sweep.flushed().isEmpty() ? "" : " (it flushed " + sweep.flushed().size() + " that a killed tpmssh"
                + " had left)")
                + ". When that program no longer needs them, free them with `tpm2_flushcontext -t` (every transient"
                + " object)" + one + ", or share the TPM through a resource manager (tpm2-abrmd, /dev/tpmrm0)";
    }

    private static String hexList(List<Integer> handles) {
        return String.join(", ", handles.stream().map(Handles::hex).toList());
    }
}
