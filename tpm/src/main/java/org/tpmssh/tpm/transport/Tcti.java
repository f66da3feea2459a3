package org.tpmssh.tpm.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where a TPM is, written in tpm2-tss TCTI syntax as tpm2-tools accepts it, so one string configures us and the
 * tpm2 tools. swtpm:, mssim: and device: are served by our own Java transports; every other TCTI (tabrmd:, cmd:,
 * libtpms:, a module named by its file) goes through the system's TCTI loader.
 */
public sealed interface Tcti permits Tcti.Swtpm, Tcti.Mssim, Tcti.Device, Tcti.Loaded {

    String ENVIRONMENT_VARIABLE = "TPMSSH_TCTI";

    /**
     * swtpm's raw data channel over TCP ({@code socket} null) or a unix socket ({@code host} null); its control
     * channel is on port + 1 or at socket + ".ctrl".
     */
    record Swtpm(String host, int port, Path socket) implements Tcti {
        @Override
        public TpmTransport connect(TransportTimeouts timeouts) throws TransportException {
            return socket != null ? SwtpmTransport.connectUnix(socket, timeouts)
                    : SwtpmTransport.connect(host, port, timeouts);
        }

        /** swtpm's control channel (power cycle, locality, shutdown), apart from any data connection. */
        public SwtpmTransport.Control control(TransportTimeouts timeouts) throws TransportException {
            return SwtpmTransport.Control.connect(socket != null
                    ? java.net.UnixDomainSocketAddress.of(socket + ".ctrl")
                    : new java.net.InetSocketAddress(host, port + 1), timeouts);
        }

        @Override
        public String toString() {
            return "swtpm:" + (socket != null ? "path=" + socket : "host=" + host + ",port=" + port);
        }
    }

    /** The IBM or Microsoft simulator; powered on and NV on at connect, as tpm2-tss's mssim TCTI does. */
    record Mssim(String host, int port) implements Tcti {
        @Override
        public TpmTransport connect(TransportTimeouts timeouts) throws TransportException {
            return MssimTransport.connect(host, port, true, timeouts);
        }

        @Override
        public String toString() {
            return "mssim:host=" + host + ",port=" + port;
        }
    }

    /** A kernel TPM character device; nothing that is not one is ever opened for writing. */
    record Device(Path path) implements Tcti {
        @Override
        public TpmTransport connect(TransportTimeouts timeouts) throws TransportException {
            return DeviceTransport.open(path, timeouts);
        }

        @Override
        public String toString() {
            return "device:" + path;
        }
    }

    /**
     * Any other TCTI module, loaded by libtss2-tctildr: {@code module} is a short name ({@code tabrmd}) or a
     * library file ({@code libtss2-tcti-swtpm.so.0}, or a path), and {@code conf} is handed to it as is.
     */
    record Loaded(String module, String conf) implements Tcti {
        @Override
        public TpmTransport connect(TransportTimeouts timeouts) throws TransportException {
            return TctiLoaderTransport.open(module, conf, timeouts);
        }

        @Override
        public String toString() {
            return conf.isEmpty() ? module : module + ":" + conf;
        }
    }

    /** One direct connection, which fails for good when its TPM goes away; {@link #open} recovers instead. */
    TpmTransport connect(TransportTimeouts timeouts) throws TransportException;

    /**
     * Opens the TPM with the timeouts {@value TransportTimeouts#ENVIRONMENT_VARIABLE} sets (or the defaults);
     * see {@link #open(TransportTimeouts)}.
     */
    default ReconnectingTransport open() throws TransportException {
        return open(TransportTimeouts.fromEnvironment());
    }

    /**
     * Connects now and reconnects on the request after a failure, so a restarted TPM is served again; the
     * connection's {@link TpmTransport#generation()} tells callers when their handles may be gone.
     */
    default ReconnectingTransport open(TransportTimeouts timeouts) throws TransportException {
        return ReconnectingTransport.open(() -> connect(timeouts));
    }

    /** {@link #open(TransportTimeouts)} with the default bounds but for the answer bound. */
    default ReconnectingTransport open(Duration answer) throws TransportException {
        return open(TransportTimeouts.of(answer));
    }

    static Tcti swtpm(String host, int port) {
        return new Swtpm(host, port, null);
    }

    static Tcti swtpmUnix(Path socket) {
        return new Swtpm(null, 0, socket);
    }

    static Tcti mssim(String host, int port) {
        return new Mssim(host, port);
    }

    static Tcti device(Path path) {
        return new Device(path);
    }

    /** Parses what tpm2-tools accepts in -T or TPM2TOOLS_TCTI; a missing configuration means the default. */
    static Tcti parse(String tcti) {
        return TctiParser.parse(tcti);
    }

    /** The TCTI named by {@code TPMSSH_TCTI}, if it is set and not blank. */
    static Optional<Tcti> fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static Optional<Tcti> fromEnvironment(Map<String, String> environment) {
        String value = environment.get(ENVIRONMENT_VARIABLE);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(value.strip()));
        } catch (TctiException e) {
            throw new TctiException(ENVIRONMENT_VARIABLE + ": " + e.getMessage());
        }
    }
}
