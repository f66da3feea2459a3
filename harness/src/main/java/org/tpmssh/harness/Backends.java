package org.tpmssh.harness;

import java.nio.file.Path;
import java.util.Optional;
import org.tpmssh.emulators.IbmSimulator;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.TpmDevice;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The backend axis: names, why a backend cannot run here, and how to start one. A backend we start ourselves
 * (swtpm, tpm_server, a container) is ours to relax; a device, or swtpm pretending to be one, gets the lab rules.
 */
public final class Backends {
    public static final String SWTPM_TCP = "swtpm-tcp";
    public static final String SWTPM_UNIX = "swtpm-unix";
    public static final String MSSIM = "mssim";
    public static final String DEVICE = "device";
    public static final String CONTAINER = "container";
    /** A swtpm run under every device rule, to test the lab safety logic without a lab. */
    public static final String SWTPM_AS_DEVICE = "swtpm-as-device";

    private Backends() {
    }

    /** What the backends need from the run's configuration. */
    public record Config(Optional<String> tcti, boolean allowLabWrites) {
        public static Config none() {
            return new Config(Optional.empty(), false);
        }
    }

    /** Why {@code backend} cannot run on this machine, or empty when it can. */
    public static Optional<String> unavailable(String backend, Config config) {
        switch (backend) {
            case MSSIM:
                return IbmSimulator.availability().map(r -> r + " (see README, \"The IBM simulator\")");
            case DEVICE:
                if (config.tcti().isPresent()) {
                    return Optional.empty();
                }
                TpmDevice.Probe probe = TpmDevice.probe();
                return probe.device().isPresent() ? Optional.empty() : Optional.of(probe.reason());
            case CONTAINER:
                return ContainerSwtpm.availability();
            default:
                return Optional.empty();
        }
    }

    /** Starts (or, for a device, opens) a backend; the caller closes it. */
    public static TpmBackend start(String backend, Config config) throws Exception {
        switch (backend) {
            case SWTPM_TCP: {
                Swtpm sw = Swtpm.start();
                return TpmBackend.open(backend, sw.tcti(), sw, sw, true, false, config);
            }
            case SWTPM_UNIX: {
                Swtpm sw = Swtpm.builder().unixSocket(true).start();
                return TpmBackend.open(backend, sw.tcti(), sw, sw, true, false, config);
            }
            case SWTPM_AS_DEVICE: {
                Swtpm sw = Swtpm.start();
                return TpmBackend.open(backend, sw.tcti(), sw, sw, false, true, config);
            }
            case MSSIM: {
                IbmSimulator sim = IbmSimulator.start();
                return TpmBackend.open(backend, sim.tcti(), sim, null, true, false, config);
            }
            case CONTAINER: {
                ContainerSwtpm c = ContainerSwtpm.start();
                return TpmBackend.open(backend, c.tcti(), c, null, true, false, config);
            }
            case DEVICE: {
                String tcti = config.tcti().orElseGet(() -> TpmDevice.probe().device()
                        .orElseThrow(() -> new IllegalStateException(TpmDevice.probe().reason())).tcti());
                Tcti.parse(tcti); // a malformed --tcti fails here, with the parser's message
                return TpmBackend.open(backend, tcti, null, null, false, true, config);
            }
            default:
                throw new IllegalArgumentException("unknown backend " + backend);
        }
    }

    /**
     * A swtpm of our own on {@code stateDir}, for scenarios that restart the TPM on persisted state; stacks
     * keep their token stores in {@code stackDir}, which outlives the backend so a restart finds them again.
     */
    public static TpmBackend startWithState(String backend, Path stateDir, Path stackDir) throws Exception {
        Swtpm sw = Swtpm.builder().unixSocket(SWTPM_UNIX.equals(backend)).stateDir(stateDir).start();
        return TpmBackend.open(backend, sw.tcti(), sw, sw, true, false, Config.none(), stackDir);
    }
}
