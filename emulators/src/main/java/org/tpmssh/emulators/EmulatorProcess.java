package org.tpmssh.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * One emulator process with its own temp directory and log: started, waited on until its sockets accept,
 * and always stopped and reaped by PID, with a JVM shutdown hook as the last resort if a test run dies.
 */
final class EmulatorProcess {

    static final String LOOPBACK = "127.0.0.1";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration GRACE = Duration.ofSeconds(5);
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    /** Where {@link #freePortPair()} looks: from here up to the ephemeral range. */
    static final int PAIRS_FROM = 20000;
    private static final int PAIR_ATTEMPTS = 100;
    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "tpmssh-emulator-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private EmulatorProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} in {@code workDir} with stdout and stderr appended to {@code log}, and waits until
     * every address accepts a connection. Throws, with the log, if the process exits or is not ready in time;
     * the process is reaped before the throw.
     */
    static EmulatorProcess start(String name, List<String> command, Path workDir, Path log,
            List<SocketAddress> readyWhenAccepting, Duration timeout) {
        return start(name, command, Map.of(), workDir, log, readyWhenAccepting, timeout);
    }

    /** As {@link #start(String, List, Path, Path, List, Duration)}, with variables added to the environment. */
    static EmulatorProcess start(String name, List<String> command, Map<String, String> environment, Path workDir,
            Path log, List<SocketAddress> readyWhenAccepting, Duration timeout) {
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            process = ChildProcesses.start(builder);
        } catch (IOException e) {
            throw new EmulatorException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        LIVE.add(process);
        EmulatorProcess started = new EmulatorProcess(name, process, log);
        try {
            started.awaitReady(readyWhenAccepting, timeout);
            return started;
        } catch (RuntimeException e) {
            started.stop();
            throw e;
        }
    }

    private void awaitReady(List<SocketAddress> addresses, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (SocketAddress address : addresses) {
            while (!accepts(address)) {
                if (!process.isAlive()) {
                    throw exited("it was ready");
                }
                if (System.nanoTime() > deadline) {
                    throw new EmulatorException(name + " was not accepting on " + address + " after "
                            + timeout.toMillis() + " ms. Its log " + log + " says:\n" + logText());
                }
                sleep(5);
            }
        }
    }

    /**
     * Polls {@code ready} until it is true, for a process whose readiness is not a listening socket (a
     * D-Bus service). Throws, with the log, if the process exits first or the time runs out; the caller stops it.
     */
    void awaitCondition(BooleanSupplier ready, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw exited(what);
            }
            if (System.nanoTime() > deadline) {
                throw new EmulatorException(name + " was still not ready (" + what + ") after "
                        + timeout.toMillis() + " ms. Its log " + log + " says:\n" + logText());
            }
            sleep(10);
        }
    }

    private static boolean accepts(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress) {
            if (!Files.exists(((UnixDomainSocketAddress) address).getPath())) {
                return false;
            }
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                return channel.connect(address);
            } catch (IOException e) {
                return false;
            }
        }
        try (Socket socket = new Socket()) {
            socket.connect(address, 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The failure of a process that ended on its own before {@code what}, with its exit status and log. */
    EmulatorException exited(String what) {
        return new EmulatorException(name + " exited with status " + process.exitValue() + " before " + what
                + ". Its log " + log + " says:\n" + logText());
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log written)";
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Asks the process to end (SIGTERM, so it can save state), then forces it, and reaps it either way. */
    void stop() {
        process.destroy();
        if (!waitFor(GRACE)) {
            process.destroyForcibly();
            waitFor(GRACE);
        }
        LIVE.remove(process);
    }

    /** SIGKILL with no chance to save state: fault injection for tests. */
    void kill() {
        process.destroyForcibly();
        waitFor(GRACE);
        LIVE.remove(process);
    }

    /** Waits for the process to end on its own, for a caller that asked it to exit by protocol. */
    boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Two consecutive free loopback ports, P and P + 1, as swtpm and tpm_server want for data and control, chosen
     * at random below the kernel's ephemeral range. Inside it, one port of every pair is of the parity connect()
     * takes, and a client's TIME_WAIT socket blocks a listener on its port, SO_REUSEADDR or not: with another
     * build making thousands of loopback connections a minute, 50 ephemeral pairs in a row were seen blocked.
     * Below the range connect() never picks a port, so only listeners (checked here) can hold one.
     */
    static int freePortPair() {
        int top = ephemeralLow() - 2;
        int span = top - PAIRS_FROM;
        for (int attempt = 0; attempt < PAIR_ATTEMPTS; attempt++) {
            int port = span > 0 ? PAIRS_FROM + RANDOM.nextInt(span) : ephemeralPort();
            if (port < 65535 && free(port) && free(port + 1)) {
                return port;
            }
        }
        throw new EmulatorException("found no two consecutive free ports on " + LOOPBACK + " in " + PAIR_ATTEMPTS
                + " tries");
    }

    /** The first port of the kernel's ephemeral range ({@code ip_local_port_range}); Linux's default if unknown. */
    static int ephemeralLow() {
        try {
            // Files.readString saw one byte of this sysctl here; a line reader sees it whole.
            return Integer.parseInt(Files.readAllLines(EPHEMERAL_RANGE).get(0).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32768;
        }
    }

    private static int ephemeralPort() {
        try (ServerSocket any = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return any.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean free(int port) {
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName(LOOPBACK))) {
            return probe.isBound();
        } catch (IOException e) {
            return false;
        }
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(LOOPBACK, port);
    }

    static Path tempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new EmulatorException("cannot create a temp directory: " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmulatorException("interrupted while waiting for the emulator to start");
        }
    }
}
