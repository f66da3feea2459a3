package org.tpmssh.emulators;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A swtpm TPM 2.0 emulator on free loopback ports (or unix sockets) with its own state, started ready to use
 * and always reaped: {@code try (var tpm = Swtpm.start()) { open(tpm.tcti()) }}.
 */
public final class Swtpm implements AutoCloseable {

    private static final int ATTEMPTS = 3;

    private final boolean unixSocket;
    private final Duration readyTimeout;
    private final Path home;
    private final Path stateDir;
    private EmulatorProcess process;
    private int port;
    private boolean closed;

    private Swtpm(Builder builder) {
        this.unixSocket = builder.unixSocket;
        this.readyTimeout = builder.readyTimeout;
        this.home = EmulatorProcess.tempDir("swtpm-");
        this.stateDir = builder.stateDir != null ? builder.stateDir : home.resolve("state");
    }

    /** A swtpm over TCP with fresh state. */
    public static Swtpm start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Two consecutive free loopback ports, P and P + 1, for a swtpm that something else starts (a container
     * whose published ports must be adjacent, as the swtpm TCTI assumes).
     */
    public static int freePortPair() {
        return EmulatorProcess.freePortPair();
    }

    /** Options for a swtpm; each has a default that suits a test. */
    public static final class Builder {
        private boolean unixSocket;
        private Path stateDir;
        private Duration readyTimeout = EmulatorProcess.READY_TIMEOUT;

        private Builder() {
        }

        /** Serve the data and control channels on unix sockets instead of TCP. */
        public Builder unixSocket(boolean unixSocket) {
            this.unixSocket = unixSocket;
            return this;
        }

        /** Keep the TPM's state in this directory (kept on close), e.g. to start again on persisted state. */
        public Builder stateDir(Path stateDir) {
            this.stateDir = stateDir;
            return this;
        }

        public Builder readyTimeout(Duration readyTimeout) {
            this.readyTimeout = readyTimeout;
            return this;
        }

        public Swtpm start() {
            Swtpm swtpm = new Swtpm(this);
            try {
                swtpm.launch(0);
                return swtpm;
            } catch (RuntimeException e) {
                swtpm.close();
                throw e;
            }
        }
    }

    private void launch(int preferredPort) {
        stateDir.toFile().mkdirs();
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        for (int attempt = 1; ; attempt++) {
            // Another process can take a probed port before swtpm binds it, so a failed start picks new ports.
            port = unixSocket ? 0 : attempt == 1 && preferredPort > 0 ? preferredPort : EmulatorProcess.freePortPair();
            try {
                process = EmulatorProcess.start("swtpm", command(), home, home.resolve("swtpm.log"),
                        readyAddresses(), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                awaitStateWritten(deadline);
                return;
            } catch (EmulatorException e) {
                if (unixSocket || attempt == ATTEMPTS || System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    /**
     * swtpm can accept connections before it has written its first permanent state; a stop in that
     * window (seen on a loaded 2-core machine) would leave nothing to restart from. Ready means the
     * state file exists too.
     */
    private void awaitStateWritten(long deadline) {
        Path permall = stateDir.resolve("tpm2-00.permall");
        while (!Files.exists(permall)) {
            if (!process.isAlive()) {
                process.stop();
                throw process.exited("it wrote its state file " + permall);
            }
            if (System.nanoTime() > deadline) {
                process.stop();
                throw new EmulatorException("swtpm did not write its state file " + permall + " in time; see "
                        + logFile());
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.stop();
                throw new EmulatorException("interrupted while waiting for swtpm to write its state");
            }
        }
    }

    private List<String> command() {
        List<String> command = new ArrayList<>(List.of("swtpm", "socket", "--tpm2",
                "--tpmstate", "dir=" + stateDir,
                "--log", "file=" + home.resolve("swtpm.log") + ",level=1",
                // Started and TPM2_Startup(CLEAR)-ed by swtpm itself, so a test can send commands at once.
                "--flags", "not-need-init,startup-clear"));
        if (unixSocket) {
            command.addAll(List.of("--server", "type=unixio,path=" + socketPath(),
                    "--ctrl", "type=unixio,path=" + ctrlSocketPath()));
        } else {
            command.addAll(List.of("--server", "type=tcp,port=" + port + ",bindaddr=" + EmulatorProcess.LOOPBACK,
                    "--ctrl", "type=tcp,port=" + (port + 1) + ",bindaddr=" + EmulatorProcess.LOOPBACK));
        }
        return command;
    }

    private List<SocketAddress> readyAddresses() {
        return unixSocket
                ? List.of(UnixDomainSocketAddress.of(socketPath()), UnixDomainSocketAddress.of(ctrlSocketPath()))
                : List.of(EmulatorProcess.loopback(port), EmulatorProcess.loopback(port + 1));
    }

    /** The tpm2-tss TCTI string for this swtpm, e.g. {@code swtpm:host=127.0.0.1,port=40123}. */
    public String tcti() {
        return unixSocket ? "swtpm:path=" + socketPath() : "swtpm:host=" + host() + ",port=" + port;
    }

    public String host() {
        return EmulatorProcess.LOOPBACK;
    }

    /** The TCP data port; 0 when serving on unix sockets. */
    public int port() {
        return port;
    }

    /** The TCP control port (data port + 1); 0 when serving on unix sockets. */
    public int ctrlPort() {
        return unixSocket ? 0 : port + 1;
    }

    /** The data socket; its control socket is this path plus {@code .ctrl}, as tpm2-tss expects. */
    public Path socketPath() {
        return home.resolve("swtpm.sock");
    }

    public Path ctrlSocketPath() {
        return home.resolve("swtpm.sock.ctrl");
    }

    public Path stateDir() {
        return stateDir;
    }

    public Path logFile() {
        return home.resolve("swtpm.log");
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL, for fault injection: the TPM gets no chance to save state or answer. */
    public void kill() {
        process.kill();
    }

    /**
     * After {@link #kill()}, starts swtpm again on the same state, ports and sockets, as a supervisor restarting a
     * crashed TPM would, so a client that knew the old address finds the new process there. Fails rather than
     * moving if a port was taken meanwhile.
     */
    public void startAgain() {
        if (isAlive()) {
            throw new IllegalStateException("swtpm (pid " + pid() + ") is still running; kill() it first");
        }
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        process = EmulatorProcess.start("swtpm", command(), home, home.resolve("swtpm.log"), readyAddresses(),
                readyTimeout);
        awaitStateWritten(deadline);
    }

    /** Stops swtpm and starts it again on the same state (and the same ports, if they are still free). */
    public void restart() {
        process.stop();
        launch(port);
    }

    /** Stops and reaps swtpm and deletes the temp files it created; a given state dir is kept. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (process != null) {
            process.stop();
        }
        EmulatorProcess.deleteTree(home);
    }
}
