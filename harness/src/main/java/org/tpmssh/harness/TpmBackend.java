package org.tpmssh.harness;

import java.util.Optional;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmInfo;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Startup;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * One running backend with one TPM connection (tpm_server serves one client at a time) and one shared
 * {@link KeyRing}. Under device rules a {@link LabGuard} snapshots the handle lists when it opens and
 * {@link #close()} fails loudly if they differ at the end; DA limits are relaxed only on a TPM we started.
 */
public final class TpmBackend implements AutoCloseable {
    private final String name;
    private final String tcti;
    private final AutoCloseable process;
    private final Swtpm swtpm;
    private final boolean owned;
    private final Tpm tpm;
    private final TpmInfo info;
    private final LabGuard guard;
    private KeyRing ring;
    private boolean closed;

    private TpmBackend(String name, String tcti, AutoCloseable process, Swtpm swtpm, boolean owned, Tpm tpm,
            TpmInfo info, LabGuard guard) {
        this.name = name;
        this.tcti = tcti;
        this.process = process;
        this.swtpm = swtpm;
        this.owned = owned;
        this.tpm = tpm;
        this.info = info;
        this.guard = guard;
    }

    static TpmBackend open(String name, String tcti, AutoCloseable process, Swtpm swtpm, boolean owned,
            boolean deviceRules, Backends.Config config) throws Exception {
        Tpm tpm = null;
        try {
            tpm = new Tpm(Tcti.parse(tcti).open());
            LabGuard guard = null;
            if (deviceRules) {
                guard = LabGuard.begin(tpm, config.allowLabWrites()); // refuses a TPM in lockout
            } else {
                Startup.ensureStarted(tpm);
                if (owned) {
                    DictionaryAttack.relaxForOwnSimulator(tpm);
                }
            }
            return new TpmBackend(name, tcti, process, swtpm, owned, tpm, TpmInfo.read(tpm), guard);
        } catch (Exception | Error e) {
            if (tpm != null) {
                tpm.close();
            }
            if (process != null) {
                process.close();
            }
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public String tcti() {
        return tcti;
    }

    public Tpm tpm() {
        return tpm;
    }

    public TpmInfo info() {
        return info;
    }

    /** True when this run started the TPM and may lock it out, relax it or throw it away. */
    public boolean owned() {
        return owned;
    }

    /** The lab guard when device rules apply. */
    public Optional<LabGuard> labGuard() {
        return Optional.ofNullable(guard);
    }

    /** The swtpm behind this backend, for restart and fault tests; empty for other backends. */
    public Optional<Swtpm> swtpm() {
        return Optional.ofNullable(swtpm);
    }

    /** The backend's KeyRing (SRK and salted session), opened on first use and flushed by {@link #close()}. */
    public synchronized KeyRing ring() throws TpmException {
        if (ring == null) {
            ring = KeyRing.open(tpm);
        }
        return ring;
    }

    /**
     * Flushes the ring, checks the lab guard, closes the connection and stops what we started.
     *
     * @throws LabSafetyException when a device's handle lists differ from the snapshot
     */
    @Override
    public synchronized void close() throws LabSafetyException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (ring != null) {
                ring.close(); // also closes tpm
            }
            // A swtpm serves one connection at a time, so ours must be gone before the check opens its own.
            tpm.close();
            if (guard != null) {
                try (Tpm check = new Tpm(Tcti.parse(tcti).open())) {
                    guard.verifyUnchanged(check);
                } catch (LabSafetyException e) {
                    throw e;
                } catch (Exception e) {
                    throw new LabSafetyException("could not re-read the TPM's handle lists after the run to prove it"
                            + " left nothing behind: " + e.getMessage());
                }
            }
        } finally {
            tpm.close();
            if (process != null) {
                try {
                    process.close();
                } catch (Exception e) {
                    System.getLogger(TpmBackend.class.getName()).log(System.Logger.Level.WARNING,
                            "could not stop backend " + name + ": " + e.getMessage());
                }
            }
        }
    }
}
