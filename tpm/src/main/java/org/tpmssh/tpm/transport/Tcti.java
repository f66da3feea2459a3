package org.tpmssh.tpm.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a TPM is, written in tpm2-tss TCTI syntax ({@code swtpm:host=H,port=P}, {@code swtpm:path=S},
 * {@code mssim:host=H,port=P}, {@code device:/dev/tpmrm0}), so one string configures us and the tpm2 tools.
 *
 * @param host the TCP host for swtpm and mssim over TCP, else null
 * @param port the TCP (command) port, else 0
 * @param path the unix socket for swtpm or the device file, else null
 */
public record Tcti(Kind kind, String host, int port, Path path) {

    public enum Kind { SWTPM, MSSIM, DEVICE }

    public static final String ENVIRONMENT_VARIABLE = "TPMSSH_TCTI";
    static final String DEFAULT_HOST = "localhost";
    static final int DEFAULT_PORT = 2321;

    private static final Map<String, String> EXPECTED = Map.of(
            "swtpm", "swtpm:host=HOST,port=PORT or swtpm:path=SOCKET",
            "mssim", "mssim:host=HOST,port=PORT",
            "device", "device:/dev/tpmrm0");

    public Tcti {
        if (kind == null || (path == null) == (host == null)) {
            throw new IllegalArgumentException("a TCTI has either a host and port or a path: " + kind + " " + host
                    + " " + port + " " + path);
        }
    }

    public static Tcti swtpm(String host, int port) {
        return new Tcti(Kind.SWTPM, host, port, null);
    }

    public static Tcti swtpmUnix(Path socket) {
        return new Tcti(Kind.SWTPM, null, 0, socket);
    }

    public static Tcti mssim(String host, int port) {
        return new Tcti(Kind.MSSIM, host, port, null);
    }

    public static Tcti device(Path path) {
        return new Tcti(Kind.DEVICE, null, 0, path);
    }

    /** The TCTI named by {@code TPMSSH_TCTI}, if it is set and not blank. */
    public static Optional<Tcti> fromEnvironment() {
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

    /** Parses tpm2-tss syntax; a missing configuration means the backend's default address. */
    public static Tcti parse(String tcti) {
        if (tcti == null || tcti.isBlank()) {
            throw new TctiException("empty TCTI; expected one of " + String.join(", ", EXPECTED.values()));
        }
        int colon = tcti.indexOf(':');
        String type = colon < 0 ? tcti : tcti.substring(0, colon);
        String conf = colon < 0 ? "" : tcti.substring(colon + 1);
        String expected = EXPECTED.get(type);
        if (expected == null) {
            throw bad(tcti, "unknown TCTI type \"" + type + "\"",
                    "one of " + String.join(", ", EXPECTED.values()));
        }
        if (type.equals("device")) {
            if (conf.isEmpty()) {
                return device(DeviceTransport.DEFAULT_PATH);
            }
            if (!conf.startsWith("/")) {
                throw bad(tcti, "the device must be an absolute path", expected);
            }
            return device(Path.of(conf));
        }
        Map<String, String> options = options(tcti, conf, type.equals("swtpm") ? Set.of("host", "port", "path")
                : Set.of("host", "port"), expected);
        if (options.containsKey("path")) {
            if (options.size() > 1) {
                throw bad(tcti, "path cannot be combined with host or port", expected);
            }
            return swtpmUnix(Path.of(options.get("path")));
        }
        String host = options.getOrDefault("host", DEFAULT_HOST);
        int port = options.containsKey("port") ? port(tcti, options.get("port"), expected) : DEFAULT_PORT;
        return type.equals("swtpm") ? swtpm(host, port) : mssim(host, port);
    }

    private static Map<String, String> options(String tcti, String conf, Set<String> keys, String expected) {
        Map<String, String> options = new LinkedHashMap<>();
        if (conf.isEmpty()) {
            return options;
        }
        for (String pair : conf.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw bad(tcti, "\"" + pair + "\" is not key=value", expected);
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            if (!keys.contains(key)) {
                throw bad(tcti, "unknown key \"" + key + "\" (known: " + String.join(", ", keys.stream().sorted()
                        .toList()) + ")", expected);
            }
            if (value.isEmpty()) {
                throw bad(tcti, key + " is empty", expected);
            }
            if (options.put(key, value) != null) {
                throw bad(tcti, key + " is given twice", expected);
            }
        }
        return options;
    }

    private static int port(String tcti, String value, String expected) {
        try {
            int port = Integer.parseInt(value);
            // The platform or control channel lives on port + 1, so the last port cannot be used.
            if (port >= 1 && port <= 65534) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // Reported below with the same message as an out-of-range number.
        }
        throw bad(tcti, "port must be a number 1-65534", expected);
    }

    private static TctiException bad(String tcti, String problem, String expected) {
        return new TctiException("bad TCTI \"" + tcti + "\": " + problem + "; expected " + expected);
    }

    /** Opens the TPM with the default timeout; an mssim simulator is powered on first, as tpm2-tss does. */
    public TpmTransport open() throws TransportException {
        return open(SwtpmTransport.DEFAULT_TIMEOUT);
    }

    public TpmTransport open(Duration timeout) throws TransportException {
        switch (kind) {
            case SWTPM:
                return path != null ? SwtpmTransport.connectUnix(path, timeout)
                        : SwtpmTransport.connect(host, port, timeout);
            case MSSIM:
                return MssimTransport.connect(host, port, true, timeout);
            default:
                return DeviceTransport.open(path);
        }
    }

    /** The tpm2-tss form, which {@link #parse} reads back. */
    @Override
    public String toString() {
        String type = kind.name().toLowerCase();
        if (kind == Kind.DEVICE) {
            return type + ":" + path;
        }
        return type + ":" + (path != null ? "path=" + path : "host=" + host + ",port=" + port);
    }
}
