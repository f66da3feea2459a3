package org.tpmssh.emulators;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The IBM TPM 2.0 simulator ({@code tpm_server}) on free loopback ports with fresh NV state, for
 * the mssim backend (docs/emulators.md).
 */
public final class IbmSimulator implements AutoCloseable {

    public static final String ENVIRONMENT_VARIABLE = "TPMSSH_IBM_SIMULATOR";

    private final Path home;
    private final int port;
    private final EmulatorProcess process;
    private boolean closed;

    private IbmSimulator(Path home, int port, EmulatorProcess process) {
        this.home = home;
        this.port = port;
        this.process = process;
    }

    /** Why the simulator cannot be started here, or empty if it can. */
    public static Optional<String> availability() {
        return executable(System.getenv()).isPresent() ? Optional.empty() : Optional.of(unavailableReason());
    }

    private static String unavailableReason() {
        String configured = System.getenv(ENVIRONMENT_VARIABLE);
        return configured != null && !configured.isBlank()
                ? ENVIRONMENT_VARIABLE + "=" + configured + " is not an executable file"
                : "tpm_server not found on PATH and " + ENVIRONMENT_VARIABLE + " not set";
    }

    static Optional<Path> executable(Map<String, String> environment) {
        String configured = environment.get(ENVIRONMENT_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            Path path = Path.of(configured);
            return Files.isRegularFile(path) && Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        String searchPath = environment.getOrDefault("PATH", "");
        for (String dir : searchPath.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "tpm_server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Starts tpm_server with fresh NV state ({@code -rm}) in its own temp dir, where it writes NVChip. */
    public static IbmSimulator start() {
        Path executable = executable(System.getenv())
                .orElseThrow(() -> new EmulatorException("cannot start the IBM simulator: " + unavailableReason()
                        + ". Build ibmswtpm2 (tag rev183-2024-08-02) and set " + ENVIRONMENT_VARIABLE));
        Path home = EmulatorProcess.tempDir("tpm_server-");
        try {
            int port = EmulatorProcess.freePortPair();
            EmulatorProcess process = EmulatorProcess.start("tpm_server",
                    List.of(executable.toString(), "-port", String.valueOf(port), "-rm"), home,
                    home.resolve("tpm_server.log"),
                    List.of(EmulatorProcess.loopback(port), EmulatorProcess.loopback(port + 1)),
                    EmulatorProcess.READY_TIMEOUT);
            return new IbmSimulator(home, port, process);
        } catch (RuntimeException e) {
            EmulatorProcess.deleteTree(home);
            throw e;
        }
    }

    /** The tpm2-tss TCTI string, e.g. {@code mssim:host=127.0.0.1,port=40123}. */
    public String tcti() {
        return "mssim:host=" + host() + ",port=" + port;
    }

    public String host() {
        return EmulatorProcess.LOOPBACK;
    }

    /** The command port. */
    public int port() {
        return port;
    }

    /** The platform port, for power and NV signals. */
    public int platformPort() {
        return port + 1;
    }

    public Path workDir() {
        return home;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, for fault injection. */
    public void kill() {
        process.kill();
    }

    /** Stops and reaps tpm_server and deletes its temp dir. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        process.stop();
        EmulatorProcess.deleteTree(home);
    }
}
