package org.tpmssh.tpm.transport;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads tpm2-tss TCTI strings ({@code name:conf}, split at the first colon, as libtss2-tctildr does) into a
 * {@link Tcti}; every mistake becomes one {@link TctiException} that quotes the string and shows the expected form.
 */
final class TctiParser {

    static final String DEFAULT_HOST = "localhost";
    static final int DEFAULT_PORT = 2321;

    private static final String SWTPM = "swtpm:host=HOST,port=PORT or swtpm:path=SOCKET";
    private static final String MSSIM = "mssim:host=HOST,port=PORT";
    private static final String DEVICE = "device:/dev/tpmrm0";
    private static final String TABRMD = "tabrmd:bus_name=NAME,bus_type=session|system";
    private static final List<String> EXPECTED = List.of(SWTPM, MSSIM, DEVICE, TABRMD, "cmd:COMMAND",
            "libtpms:STATEFILE", "libtss2-tcti-NAME.so.0:CONF");

    /** Modules of tpm2-tss and tpm2-abrmd that the loader finds by short name; any other needs its file name. */
    private static final Set<String> LOADER_MODULES = Set.of("tabrmd", "cmd", "libtpms", "pcap", "spidev",
            "spi-helper", "spi-ltt2go", "spi-ftdi", "i2c-helper", "i2c-ftdi");

    private static final Pattern MODULE_FILE = Pattern.compile("[A-Za-z0-9._+/-]*\\.so(\\.[0-9]+)*");
    private static final Pattern IPV4ISH = Pattern.compile("[0-9.]+");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6 = Pattern.compile("\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9]+)?]?");
    private static final Pattern HOST_NAME = Pattern.compile(
            "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");
    private static final Pattern BUS_NAME = Pattern.compile("[A-Za-z_-][A-Za-z0-9_-]*(\\.[A-Za-z_-][A-Za-z0-9_-]*)+");

    private TctiParser() {
    }

    static Tcti parse(String tcti) {
        if (tcti == null || tcti.isBlank()) {
            throw new TctiException("empty TCTI; expected one of " + String.join(", ", EXPECTED));
        }
        int colon = tcti.indexOf(':');
        String type = colon < 0 ? tcti : tcti.substring(0, colon);
        String conf = colon < 0 ? "" : tcti.substring(colon + 1);
        switch (type) {
            case "swtpm":
                return swtpm(tcti, conf);
            case "mssim":
                Map<String, String> o = options(tcti, conf, Set.of("host", "port"), MSSIM);
                return Tcti.mssim(host(tcti, o, MSSIM), port(tcti, o, MSSIM));
            case "device":
                return conf.isEmpty() ? Tcti.device(DeviceTransport.DEFAULT_PATH) : Tcti.device(path(tcti, conf,
                        "the device", DEVICE, true));
            case "tabrmd":
                tabrmd(tcti, conf);
                return new Tcti.Loaded(type, conf);
            case "none":
                throw bad(tcti, "tpmssh needs a TPM, and \"none\" is tpm2-tools' way of running without one",
                        "one of " + String.join(", ", EXPECTED));
            default:
                return loaded(tcti, type, conf);
        }
    }

    private static Tcti swtpm(String tcti, String conf) {
        Map<String, String> options = options(tcti, conf, Set.of("host", "port", "path"), SWTPM);
        if (options.containsKey("path")) {
            if (options.size() > 1) {
                throw bad(tcti, "path cannot be combined with host or port", SWTPM);
            }
            return Tcti.swtpmUnix(path(tcti, options.get("path"), "path", SWTPM, false));
        }
        return Tcti.swtpm(host(tcti, options, SWTPM), port(tcti, options, SWTPM));
    }

    private static void tabrmd(String tcti, String conf) {
        Map<String, String> options = options(tcti, conf, Set.of("bus_name", "bus_type"), TABRMD);
        String busType = options.get("bus_type");
        if (busType != null && !busType.equals("session") && !busType.equals("system")) {
            throw bad(tcti, "bus_type must be session or system", TABRMD);
        }
        String busName = options.get("bus_name");
        if (busName != null && (busName.length() > 255 || !BUS_NAME.matcher(busName).matches())) {
            throw bad(tcti, "bus_name \"" + busName + "\" is not a D-Bus name (dot-separated, like"
                    + " com.intel.tss2.Tabrmd)", TABRMD);
        }
    }

    /** Any other module goes to the TCTI loader, as tpm2-tools hands it over; its configuration is the module's. */
    private static Tcti loaded(String tcti, String type, String conf) {
        boolean known = LOADER_MODULES.contains(type);
        if (!known && !MODULE_FILE.matcher(type).matches()) {
            throw bad(tcti, "unknown TCTI type \"" + type + "\"", "one of " + String.join(", ", EXPECTED));
        }
        if (type.equals("cmd") && conf.isBlank()) {
            throw bad(tcti, "cmd needs the command to run after the colon", "cmd:COMMAND");
        }
        if (conf.indexOf('\0') >= 0) {
            throw bad(tcti, "the configuration contains a NUL character", type + ":CONF");
        }
        return new Tcti.Loaded(type, conf);
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

    private static String host(String tcti, Map<String, String> options, String expected) {
        String host = options.getOrDefault("host", DEFAULT_HOST);
        if (IPV4ISH.matcher(host).matches()) {
            if (!IPV4.matcher(host).matches()) {
                throw bad(tcti, "host \"" + host + "\" is not an IPv4 address (four numbers 0-255, dot-separated)",
                        expected);
            }
        } else if (!HOST_NAME.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            throw bad(tcti, "host \"" + host + "\" is neither a host name nor an IP address", expected);
        }
        return host;
    }

    private static int port(String tcti, Map<String, String> options, String expected) {
        if (!options.containsKey("port")) {
            return DEFAULT_PORT;
        }
        String value = options.get("port");
        if (value.chars().allMatch(c -> c >= '0' && c <= '9') && value.length() <= 5) {
            int port = Integer.parseInt(value);
            // The platform or control channel lives on port + 1, so the last port cannot be used.
            if (port >= 1 && port <= 65534) {
                return port;
            }
        }
        throw bad(tcti, "port must be a number 1-65534", expected);
    }

    private static Path path(String tcti, String value, String what, String expected, boolean absolute) {
        if (absolute && !value.startsWith("/")) {
            throw bad(tcti, what + " must be an absolute path", expected);
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw bad(tcti, what + " is not a valid path (" + e.getReason() + ")", expected);
        }
    }

    private static TctiException bad(String tcti, String problem, String expected) {
        return new TctiException("bad TCTI \"" + tcti + "\": " + problem + "; expected " + expected);
    }
}
