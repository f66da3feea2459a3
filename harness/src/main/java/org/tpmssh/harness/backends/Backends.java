package org.tpmssh.harness.backends;

import java.nio.file.Path;
import java.util.Optional;
import org.tpmssh.axes.Backend;
import org.tpmssh.emulators.IbmSimulator;
import org.tpmssh.emulators.SessionBus;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.emulators.TpmDevice;
import org.tpmssh.harness.backends.TpmBackend.Launch;
import org.tpmssh.harness.wire.ChipProfile;
import org.tpmssh.harness.wire.TpmWireProxy;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TctiLoaderTransport;

/** Says whether each backend can run here, and starts it. */
public final class Backends {

    private Backends() {
    }

    /**
     * What the backends need from the run's configuration.
     *
     * @param latencyProfile the chip whose delays the wire proxy adds to every response, or empty for swtpm's speed
     */
    public record Config(Optional<String> tcti, boolean allowLabWrites, Optional<ChipProfile> latencyProfile) {
        public Config(Optional<String> tcti, boolean allowLabWrites) {
            this(tcti, allowLabWrites, Optional.empty());
        }

        public static Config none() {
            return new Config(Optional.empty(), false);
        }
    }

    /**
     * Why the wire proxy ({@link TpmWireProxy}) does not sit between the stacks and this backend, or empty when it
     * does: it relays sockets, swtpm's and the simulator's.
     */
    public static Optional<String> notProxied(Backend backend) {
        return switch (backend) {
            // A container's swtpm is published on two adjacent loopback ports, as a host swtpm listens on them.
            case SWTPM_TCP, SWTPM_UNIX, MSSIM, CONTAINER_HOST, CONTAINER_TESTING, CONTAINER_TRIXIE -> Optional.empty();
            case DEVICE -> Optional.of("a kernel TPM device is a character device, not a socket the wire proxy"
                    + " can sit in front of");
            case SWTPM_AS_DEVICE -> Optional.of("it stands in for a device, which the wire proxy cannot sit in front"
                    + " of");
            case SWTPM_ABRMD -> Optional.empty(); // between tpm2-abrmd and its swtpm
        };
    }

    /** Why {@code backend} cannot run on this machine, or empty when it can. */
    public static Optional<String> unavailable(Backend backend, Config config) {
        return switch (backend) {
            case SWTPM_TCP, SWTPM_UNIX, SWTPM_AS_DEVICE -> Optional.empty();
            case MSSIM -> IbmSimulator.availability().map(r -> r + " (see README, \"The IBM simulator\")");
            case DEVICE -> config.tcti().isPresent() ? Optional.empty() : deviceMissing();
            case CONTAINER_HOST, CONTAINER_TESTING, CONTAINER_TRIXIE -> ContainerSwtpm.availability(image(backend));
            case SWTPM_ABRMD -> Tpm2Abrmd.availability().or(() -> TctiLoaderTransport.availability());
        };
    }

    private static String image(Backend container) {
        return container.image().orElseThrow(() -> new IllegalArgumentException(container.label()
                + " is not a container backend"));
    }

    private static Optional<String> deviceMissing() {
        TpmDevice.Probe probe = TpmDevice.probe();
        return probe.device().isPresent() ? Optional.empty() : Optional.of(probe.reason());
    }

    /** Starts (or, for a device, opens) a backend; the caller closes it. */
    public static TpmBackend start(Backend backend, Config config) throws Exception {
        return TpmBackend.open(switch (backend) {
            case SWTPM_TCP, SWTPM_AS_DEVICE -> Launch.swtpm(backend, Swtpm.start());
            case SWTPM_UNIX -> Launch.swtpm(backend, Swtpm.builder().unixSocket(true).start());
            case MSSIM -> {
                IbmSimulator sim = IbmSimulator.start();
                yield Launch.process(backend, sim.tcti(), sim);
            }
            case CONTAINER_HOST, CONTAINER_TESTING, CONTAINER_TRIXIE -> {
                ContainerSwtpm c = ContainerSwtpm.start(image(backend));
                yield Launch.process(backend, c.tcti(), c);
            }
            case SWTPM_ABRMD -> behindAbrmd(Swtpm.builder().unixSocket(true).start(), config);
            case DEVICE -> {
                String tcti = config.tcti().orElseGet(() -> TpmDevice.probe().device()
                        .orElseThrow(() -> new IllegalStateException(TpmDevice.probe().reason())).tcti());
                Tcti.parse(tcti); // a malformed --tcti fails here, with the parser's message
                yield Launch.device(tcti);
            }
        }, config);
    }

    /**
     * A swtpm of our own on {@code stateDir}, for scenarios that restart the TPM on persisted state; stacks
     * keep their token stores in {@code stackDir}, which outlives the backend so a restart finds them again.
     */
    public static TpmBackend startWithState(Backend backend, Path stateDir, Path stackDir) throws Exception {
        Swtpm sw = Swtpm.builder().unixSocket(backend == Backend.SWTPM_UNIX || backend == Backend.SWTPM_ABRMD)
                .stateDir(stateDir).start();
        Launch launch = backend == Backend.SWTPM_ABRMD ? behindAbrmd(sw, Config.none()) : Launch.swtpm(backend, sw);
        return TpmBackend.open(launch.withStackDir(stackDir), Config.none());
    }

    /**
     * {@code swtpm} behind a tpm2-abrmd of its own on this JVM's session bus, which our stack reaches through the
     * TCTI loader like every other client; a failed start stops the swtpm. On a unix socket: tpm2-abrmd's swtpm TCTI
     * opens a connection per command, and over TCP each would leave a TIME_WAIT socket (docs/shared-tpm.md).
     */
    private static Launch behindAbrmd(Swtpm swtpm, Config config) {
        TpmWireProxy wire = null;
        try {
            // The wire proxy sits between tpm2-abrmd and swtpm, as for tpm2-pkcs11's companion: it sees what
            // tpm2-abrmd sends for every client, context swaps included.
            wire = TpmWireProxy.builder(swtpm.tcti()).latencyProfile(config.latencyProfile().orElse(null)).start();
            SessionBus bus = SessionBus.shared();
            TctiLoaderTransport.useSessionBus(bus.address());
            return Launch.behindAbrmd(Backend.SWTPM_ABRMD, swtpm, wire,
                    Tpm2Abrmd.builder(wire.tcti()).bus(bus).start());
        } catch (RuntimeException | Error e) {
            closeAll(wire, swtpm);
            throw e;
        }
    }

    private static void closeAll(TpmWireProxy wire, Swtpm swtpm) {
        if (wire != null) {
            wire.close();
        }
        swtpm.close();
    }

    /** Whether the lab rules apply: a device, or a swtpm pretending to be one; any other backend is ours. */
    static boolean labRules(Backend backend) {
        return backend == Backend.DEVICE || backend == Backend.SWTPM_AS_DEVICE;
    }
}
