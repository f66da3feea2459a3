package org.tpmssh.harness.backends;

import java.nio.file.Path;
import java.util.Optional;
import org.tpmssh.axes.Backend;
import org.tpmssh.emulators.IbmSimulator;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.TpmDevice;
import org.tpmssh.tpm.transport.Tcti;

/** Says whether each backend can run here, and starts it. */
public final class Backends {

    private Backends() {
    }

    /** What the backends need from the run's configuration. */
    public record Config(Optional<String> tcti, boolean allowLabWrites) {
        public static Config none() {
            return new Config(Optional.empty(), false);
        }
    }

    /** Why {@code backend} cannot run on this machine, or empty when it can. */
    public static Optional<String> unavailable(Backend backend, Config config) {
        return switch (backend) {
            case SWTPM_TCP, SWTPM_UNIX, SWTPM_AS_DEVICE -> Optional.empty();
            case MSSIM -> IbmSimulator.availability().map(r -> r + " (see README, \"The IBM simulator\")");
            case DEVICE -> config.tcti().isPresent() ? Optional.empty() : deviceMissing();
            case CONTAINER -> ContainerSwtpm.availability();
        };
    }

    private static Optional<String> deviceMissing() {
        TpmDevice.Probe probe = TpmDevice.probe();
        return probe.device().isPresent() ? Optional.empty() : Optional.of(probe.reason());
    }

    /** Starts (or, for a device, opens) a backend; the caller closes it. */
    public static TpmBackend start(Backend backend, Config config) throws Exception {
        return switch (backend) {
            case SWTPM_TCP, SWTPM_AS_DEVICE -> TpmBackend.open(TpmBackend.Launch.of(backend, Swtpm.start()), config);
            case SWTPM_UNIX -> TpmBackend.open(TpmBackend.Launch.of(backend, Swtpm.builder().unixSocket(true).start()), config);
            case MSSIM -> {
                IbmSimulator sim = IbmSimulator.start();
                yield TpmBackend.open(new TpmBackend.Launch(backend, sim.tcti(), sim, null, null), config);
            }
            case CONTAINER -> {
                ContainerSwtpm c = ContainerSwtpm.start();
                yield TpmBackend.open(new TpmBackend.Launch(backend, c.tcti(), c, null, null), config);
            }
            case DEVICE -> {
                String tcti = config.tcti().orElseGet(() -> TpmDevice.probe().device()
                        .orElseThrow(() -> new IllegalStateException(TpmDevice.probe().reason())).tcti());
                Tcti.parse(tcti); // a malformed --tcti fails here, with the parser's message
                yield TpmBackend.open(new TpmBackend.Launch(backend, tcti, null, null, null), config);
            }
        };
    }

    /**
     * A swtpm of our own on {@code stateDir}, for scenarios that restart the TPM on persisted state; stacks
     * keep their token stores in {@code stackDir}, which outlives the backend so a restart finds them again.
     */
    public static TpmBackend startWithState(Backend backend, Path stateDir, Path stackDir) throws Exception {
        Swtpm sw = Swtpm.builder().unixSocket(backend == Backend.SWTPM_UNIX).stateDir(stateDir).start();
        return TpmBackend.open(TpmBackend.Launch.of(backend, sw).withStackDir(stackDir), Config.none());
    }

    /** Whether the lab rules apply: a device, or a swtpm pretending to be one; any other backend is ours. */
    static boolean labRules(Backend backend) {
        return backend == Backend.DEVICE || backend == Backend.SWTPM_AS_DEVICE;
    }
}
