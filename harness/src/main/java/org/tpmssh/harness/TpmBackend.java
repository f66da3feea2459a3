package org.tpmssh.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.store.ParentKind;
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
    private final Path stackDir;
    private final boolean ownsStackDir;
    private final Map<String, Object> shared = new LinkedHashMap<>();
    private KeyRing ring;
    private boolean closed;

    private TpmBackend(String name, String tcti, AutoCloseable process, Swtpm swtpm, boolean owned, Tpm tpm,
            TpmInfo info, LabGuard guard, Path stackDir, boolean ownsStackDir) {
        this.name = name;
        this.stackDir = stackDir;
        this.ownsStackDir = ownsStackDir;
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
        return open(name, tcti, process, swtpm, owned, deviceRules, config, null);
    }

    /** With {@code stackDir} null, stacks keep their stores in a temp dir deleted with the backend. */
    static TpmBackend open(String name, String tcti, AutoCloseable process, Swtpm swtpm, boolean owned,
            boolean deviceRules, Backends.Config config, Path stackDir) throws Exception {
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
            TpmInfo info = TpmInfo.read(tpm);
            Path dir = stackDir != null ? Files.createDirectories(stackDir)
                    : Files.createTempDirectory("tpmssh-stacks-");
            return new TpmBackend(name, tcti, process, swtpm, owned, tpm, info, guard, dir, stackDir == null);
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

    /**
     * The backend's KeyRing (SRK and salted session), opened on first use and flushed by {@link #close()}. Its
     * SRK is the token store's ECC parent (TCG H-2), so stores and scenarios share one ring: swtpm has only 3
     * object slots, and two rings would evict each other's SRK on every sign.
     */
    public synchronized KeyRing ring() throws TpmException {
        if (ring == null) {
            ring = KeyRing.open(tpm, ParentKind.ECC.template());
        }
        return ring;
    }

    /**
     * Where stacks keep their token stores for this backend: a temp dir deleted with the backend, or, for a
     * backend started on persisted TPM state, a dir the caller keeps so the store outlives a restart.
     */
    public Path stackDir() {
        return stackDir;
    }

    /** What a stack keeps per backend (its token store), made once and closed before the ring. */
    @SuppressWarnings("unchecked")
    public synchronized <T> T shared(String key, Callable<T> factory) throws Exception {
        Object held = shared.get(key);
        if (held == null) {
            held = factory.call();
            shared.put(key, held);
        }
        return (T) held;
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
            for (Object o : shared.values()) {
                if (o instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        System.getLogger(TpmBackend.class.getName()).log(System.Logger.Level.WARNING,
                                "could not close " + o + ": " + e.getMessage());
                    }
                }
            }
            shared.clear();
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
            if (ownsStackDir) {
                MatrixRun.deleteTree(stackDir);
            }
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
