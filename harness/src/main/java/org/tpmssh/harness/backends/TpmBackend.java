package org.tpmssh.harness.backends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.tpmssh.axes.Backend;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.harness.lab.LabGuard;
import org.tpmssh.harness.lab.LabSafetyException;
import org.tpmssh.harness.wire.TpmWireProxy;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmInfo;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Startup;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.Leftovers;
import org.tpmssh.tpm.objects.OwnNames;
import org.tpmssh.tpm.objects.SessionScope;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.transport.Tcti;

/**
 * One running backend: one TPM connection (tpm_server serves one client at a time), one shared {@link KeyRing},
 * the wire proxy in front of a simulator, and, under lab rules, the {@link LabGuard} that proves at {@link #close()}
 * the run left the TPM as it found it.
 */
public final class TpmBackend implements AutoCloseable {
    private final Launch launch;
    private final TpmWireProxy wire;
    private final Tpm tpm;
    private final TpmInfo info;
    private final LabGuard guard;
    private final Path stackDir;
    private final Map<String, Object> shared = new LinkedHashMap<>();
    private KeyRing ring;
    private boolean closed;

    private TpmBackend(Launch launch, TpmWireProxy wire, Tpm tpm, TpmInfo info, LabGuard guard, Path stackDir) {
        this.launch = launch;
        this.wire = wire;
        this.tpm = tpm;
        this.info = info;
        this.guard = guard;
        this.stackDir = stackDir;
    }

    /**
     * A backend to open: its axis value, its TCTI, the process we started (null for a device), the swtpm behind it
     * for restart and fault tests (null for others), where stacks keep their stores (null: a temp dir deleted
     * with the backend), the tpm2-abrmd in front of the TPM that every stack shares (null: none), and the wire proxy
     * already between that tpm2-abrmd and its swtpm (null: {@link #open} puts one in front of {@code tcti} where it
     * fits).
     */
    public record Launch(Backend backend, String tcti, AutoCloseable process, Swtpm swtpm, Path stackDir,
            Tpm2Abrmd abrmd, TpmWireProxy wire) {
        static Launch swtpm(Backend backend, Swtpm swtpm) {
            return new Launch(backend, swtpm.tcti(), swtpm, swtpm, null, null, null);
        }

        /**
         * {@code swtpm} behind {@code abrmd}, which reaches it through {@code wire}: all are stopped with the backend,
         * the proxy first, then the resource manager.
         */
        static Launch behindAbrmd(Backend backend, Swtpm swtpm, TpmWireProxy wire, Tpm2Abrmd abrmd) {
            AutoCloseable both = () -> {
                try {
                    abrmd.close();
                } finally {
                    swtpm.close();
                }
            };
            return new Launch(backend, abrmd.tcti(), both, swtpm, null, abrmd, wire);
        }

        static Launch process(Backend backend, String tcti, AutoCloseable process) {
            return new Launch(backend, tcti, process, null, null, null, null);
        }

        static Launch device(String tcti) {
            return new Launch(Backend.DEVICE, tcti, null, null, null, null, null);
        }

        Launch withStackDir(Path dir) {
            return new Launch(backend, tcti, process, swtpm, dir, abrmd, wire);
        }
    }

    /**
     * Connects to a started backend, through a wire proxy where one fits ({@link Backends#notProxied}); under lab
     * rules it refuses a TPM in lockout, otherwise it relaxes DA limits.
     */
    static TpmBackend open(Launch launch, Backends.Config config) throws Exception {
        Tpm tpm = null;
        TpmWireProxy wire = null;
        try {
            if (launch.wire() != null) {
                wire = launch.wire(); // between tpm2-abrmd and its swtpm, so clients still go through tpm2-abrmd
            } else if (Backends.notProxied(launch.backend()).isEmpty()) {
                wire = TpmWireProxy.builder(launch.tcti()).latencyProfile(config.latencyProfile().orElse(null))
                        .start();
            }
            tpm = new Tpm(Tcti.parse(clientTcti(launch, wire)).open());
            LabGuard guard = null;
            if (Backends.labRules(launch.backend())) {
                guard = LabGuard.begin(tpm, config.allowLabWrites()); // refuses a TPM in lockout
            } else {
                Startup.ensureStarted(tpm);
                DictionaryAttack.relaxForOwnSimulator(tpm);
            }
            TpmInfo info = TpmInfo.read(tpm);
            Path dir = launch.stackDir() != null ? Files.createDirectories(launch.stackDir())
                    : Files.createTempDirectory("tpmssh-stacks-");
            return new TpmBackend(launch, wire, tpm, info, guard, dir);
        } catch (Exception | Error e) {
            if (tpm != null) {
                tpm.close();
            }
            if (wire != null) {
                wire.close();
            }
            if (launch.process() != null) {
                launch.process().close();
            }
            throw e;
        }
    }

    /** The backend axis value this runs. */
    public Backend kind() {
        return launch.backend();
    }

    /**
     * The TCTI every client of this backend uses: the wire proxy's where it sits in front of the TPM, else the TPM's
     * own (on swtpm-abrmd tpm2-abrmd's, with the proxy behind it).
     */
    public String tcti() {
        return clientTcti(launch, wire);
    }

    private static String clientTcti(Launch launch, TpmWireProxy wire) {
        return wire != null && launch.wire() == null ? wire.tcti() : launch.tcti();
    }

    /** The wire proxy between the stacks and this TPM, which records every command; empty where none fits. */
    public Optional<TpmWireProxy> wire() {
        return Optional.ofNullable(wire);
    }

    public Tpm tpm() {
        return tpm;
    }

    public TpmInfo info() {
        return info;
    }

    /** Why this TPM cannot hold a key of {@code type} (a curve or RSA it does not list), or empty. */
    public Optional<String> cannotHold(KeyType type) {
        if (type.isEcc()) {
            return info.eccCurves().contains(type.curve()) ? Optional.empty()
                    : Optional.of("this TPM (" + info.manufacturer() + ") does not list curve " + type.label());
        }
        return info.algorithms().contains(Alg.RSA) ? Optional.empty()
                : Optional.of("this TPM (" + info.manufacturer() + ") does not implement RSA");
    }

    /** True when this run started the TPM and may lock it out, relax it or throw it away. */
    public boolean owned() {
        return guard == null;
    }

    /** The lab guard when device rules apply. */
    public Optional<LabGuard> labGuard() {
        return Optional.ofNullable(guard);
    }

    /** The image a container backend runs, whose labels name its swtpm and libtpms; empty for other backends. */
    public Optional<SwtpmImage> image() {
        return launch.process() instanceof ContainerSwtpm c ? Optional.of(c.image()) : Optional.empty();
    }

    /** The swtpm behind this backend, for restart and fault tests; empty for other backends. */
    public Optional<Swtpm> swtpm() {
        return Optional.ofNullable(launch.swtpm());
    }

    /**
     * The tpm2-abrmd in front of this backend's TPM, which other processes (tpm2-tools, tpm2-pkcs11, a second
     * agent) reach through its {@link Tpm2Abrmd#environment()}; empty when the run holds the TPM alone.
     */
    public Optional<Tpm2Abrmd> abrmd() {
        return Optional.ofNullable(launch.abrmd());
    }

    /**
     * The backend's KeyRing (SRK and salted session), opened on first use and flushed by {@link #close()}. Its
     * SRK is the token store's ECC parent (TCG H-2), so stores and scenarios share one ring: swtpm has only 3
     * object slots, and two rings would evict each other's SRK on every sign.
     */
    public synchronized KeyRing ring() throws TpmException {
        if (ring == null) {
            ring = KeyRing.open(tpm, ParentKind.ECC.template(), leftovers(), SessionScope.PER_RING);
        }
        return ring;
    }

    /**
     * Under the lab rules nothing we did not make is touched, not even a copy of our own SRK; on a TPM this run
     * started, the one rule for what a killed tpmssh left applies (the ring's own Names; no store is known here).
     */
    Leftovers leftovers() throws TpmException {
        return Backends.labRules(kind()) ? Leftovers.leaveAll()
                : Leftovers.forTcti(Tcti.parse(launch.tcti()), OwnNames.none());
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
                try (Tpm check = new Tpm(Tcti.parse(tcti()).open())) {
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
            if (wire != null) {
                wire.close(); // before the TPM stops, so the proxy notes no lost upstream
            }
            if (launch.stackDir() == null) {
                TempDirs.delete(stackDir);
            }
            if (launch.process() != null) {
                try {
                    launch.process().close();
                } catch (Exception e) {
                    System.getLogger(TpmBackend.class.getName()).log(System.Logger.Level.WARNING,
                            "could not stop backend " + kind().label() + ": " + e.getMessage());
                }
            }
        }
    }
}
