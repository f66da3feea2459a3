package org.tpmssh.sshserver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.tpmssh.emulators.ChildProcesses;

/**
 * The real OpenSSH sshd as a server under test, with its own config, host key, authorized_keys
 * and log in a private directory, on 127.0.0.1 and a free port (docs/servers.md).
 */
public final class OpenSshServer implements SshServerUnderTest {

    private static final Logger LOG = System.getLogger(OpenSshServer.class.getName());

    public static final Path SSHD = Path.of("/usr/sbin/sshd");
    /** sshd refuses to start without its privilege-separation directory. */
    static final Path PRIVSEP_DIR = Path.of("/run/sshd");
    static final String HOST = "127.0.0.1";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final int BIND_ATTEMPTS = 3;

    private final Path workDir;
    private final Path authorizedKeys;
    private final Path logFile;
    private final String hostPublicKeyLine;
    private final int port;
    private final Process process;
    private final Thread shutdownHook;
    private final AtomicBoolean closed = new AtomicBoolean();

    private OpenSshServer(Path workDir, String hostPublicKeyLine, int port, Process process) {
        this.workDir = workDir;
        this.authorizedKeys = workDir.resolve("authorized_keys");
        this.logFile = workDir.resolve("sshd.log");
        this.hostPublicKeyLine = hostPublicKeyLine;
        this.port = port;
        this.process = process;
        // Last resort if a test run is killed before close(): never leave an sshd listening.
        this.shutdownHook = new Thread(this::stop, "tpmssh-sshd-stop-" + process.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Generates a host key, writes the config and starts sshd, returning once it sends its banner.
     *
     * @param workDir a directory of this test's own; created if absent
     * @param authorizedKeysLines public keys in authorized_keys format that may log in as the current user
     */
    public static OpenSshServer start(Path workDir, List<String> authorizedKeysLines) throws SshProcessException {
        return start(workDir, authorizedKeysLines, null);
    }

    /**
     * As {@link #start(Path, List)}, but with a host key an agent holds: sshd is given only the public
     * key ({@code HostKey <pub file>}) and signs its key exchange through {@code HostKeyAgent <socket>},
     * which for tpmssh is our agent holding a TPM key.
     *
     * @param agentHostKey the host key and its agent; null for a generated ed25519 file key
     */
    public static OpenSshServer start(Path workDir, List<String> authorizedKeysLines, AgentHostKey agentHostKey)
            throws SshProcessException {
        return start(workDir, authorizedKeysLines, agentHostKey, List.of());
    }

    /**
     * As {@link #start(Path, List, AgentHostKey)}, with {@code extraConfig} lines appended to the
     * generated sshd_config, e.g. {@code PubkeyAcceptedAlgorithms +ssh-rsa} for a test of SHA-1 logins.
     */
    public static OpenSshServer start(Path workDir, List<String> authorizedKeysLines, AgentHostKey agentHostKey,
            List<String> extraConfig) throws SshProcessException {
        try {
            Files.createDirectories(workDir);
            ensurePrivsepDir();
            Path hostKey;
            String hostPublicKeyLine;
            if (agentHostKey == null) {
                hostKey = workDir.resolve("ssh_host_ed25519_key");
                hostPublicKeyLine = generateHostKey(hostKey);
            } else {
                hostKey = workDir.resolve("ssh_host_agent_key.pub");
                writeAtomically(hostKey, List.of(agentHostKey.publicKeyLine().trim()));
                hostPublicKeyLine = agentHostKey.typeAndKey();
            }
            Path agentSocket = agentHostKey == null ? null : agentHostKey.agentSocket();
            writeAtomically(workDir.resolve("authorized_keys"), authorizedKeysLines);

            SshProcessException last = null;
            for (int attempt = 1; attempt <= BIND_ATTEMPTS; attempt++) {
                int port = freePort();
                Process process = launch(workDir, hostKey, agentSocket, port, extraConfig);
                try {
                    awaitBanner(process, port, workDir.resolve("sshd.log"));
                    OpenSshServer server = new OpenSshServer(workDir, hostPublicKeyLine, port, process);
                    LOG.log(Level.DEBUG, "sshd pid {0} listening on {1}:{2}", process.pid(), HOST, port);
                    return server;
                } catch (SshProcessException e) {
                    CommandRunner.kill(process);
                    last = e;
                    // Another process can take the port between our probe and sshd's bind; try a new one.
                    if (!logMentions(workDir.resolve("sshd.log"), "Address already in use")) {
                        throw e;
                    }
                }
            }
            throw last;
        } catch (IOException e) {
            if (e instanceof SshProcessException) {
                throw (SshProcessException) e;
            }
            throw new SshProcessException("cannot prepare sshd in " + workDir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String hostPublicKeyLine() {
        return hostPublicKeyLine;
    }

    /** Written by sshd at LogLevel DEBUG3; attach it to a failing test. */
    public Path logFile() {
        return logFile;
    }

    public Path workDir() {
        return workDir;
    }

    /** The sshd listener's pid, for asserting it is gone after close. */
    public long pid() {
        return process.pid();
    }

    /** Rewrites authorized_keys by rename, so a concurrent login never reads half a file. */
    @Override
    public void setAuthorizedKeys(List<String> authorizedKeysLines) throws IOException {
        writeAtomically(authorizedKeys, authorizedKeysLines);
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook is running or has run stop(), which is idempotent.
        }
    }

    private void stop() {
        if (closed.compareAndSet(false, true)) {
            // Per-connection sshd children outlive the listener's SIGTERM, so they are stopped too.
            CommandRunner.kill(process);
        }
    }

    private static String generateHostKey(Path hostKey) throws IOException {
        // ssh-keygen would ask before overwriting a key from an earlier start, and read "no" from /dev/null.
        Files.deleteIfExists(hostKey);
        Files.deleteIfExists(hostKey.resolveSibling(hostKey.getFileName() + ".pub"));
        CommandResult keygen = CommandRunner.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                "-C", "tpmssh-test-host", "-f", hostKey.toString()), Map.of(), Duration.ofSeconds(30));
        if (!keygen.succeeded()) {
            throw new SshProcessException("ssh-keygen could not create a host key: " + keygen.describe());
        }
        String[] pub = Files.readString(hostKey.resolveSibling(hostKey.getFileName() + ".pub")).trim().split("\\s+");
        return pub[0] + " " + pub[1];
    }

    private static Process launch(Path workDir, Path hostKey, Path agentSocket, int port, List<String> extraConfig)
            throws IOException {
        Path config = workDir.resolve("sshd_config");
        Files.writeString(config, config(workDir, hostKey, agentSocket, port)
                + extraConfig.stream().map(line -> line + "\n").collect(Collectors.joining()));
        Path log = workDir.resolve("sshd.log");
        Files.deleteIfExists(log);
        return ChildProcesses.start(new ProcessBuilder(SSHD.toString(), "-D", "-f", config.toString(), "-E",
                log.toString())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                // Anything sshd prints before its log is open (config errors) lands here.
                .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("sshd.out").toFile()))
                .redirectErrorStream(true)
                );
    }

    static String config(Path workDir, Path hostKey, int port) {
        return config(workDir, hostKey, null, port);
    }

    /** With {@code agentSocket}, {@code hostKey} is a public key file and the agent signs for it. */
    static String config(Path workDir, Path hostKey, Path agentSocket, int port) {
        return String.join("\n",
                "# Generated by tpmssh for one test; the system sshd_config is not read.",
                "ListenAddress " + HOST,
                "Port " + port,
                "HostKey " + hostKey,
                agentSocket == null ? "# host key is a private key file" : "HostKeyAgent " + agentSocket,
                "PidFile " + workDir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + workDir.resolve("authorized_keys"),
                // The work dir lives under a test's temp dir, whose modes sshd would otherwise reject.
                "StrictModes no",
                "UsePAM no",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "HostbasedAuthentication no",
                "PermitRootLogin prohibit-password",
                // The user's own ~/.ssh/rc and ~/.ssh/environment must not run in a test.
                "PermitUserRC no",
                "PermitUserEnvironment no",
                "AllowAgentForwarding no",
                "X11Forwarding no",
                "PrintMotd no",
                "PrintLastLog no",
                // Parallel-login scenarios open many unauthenticated connections at once; the default
                // 10:30:100 would start dropping them at random.
                "MaxStartups 100",
                "LogLevel DEBUG3",
                "");
    }

    private static void awaitBanner(Process process, int port, Path log) throws SshProcessException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        String lastProblem = "no attempt";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new SshProcessException("sshd exited with " + process.exitValue() + " before it was ready; "
                        + "see " + log + " and " + log.resolveSibling("sshd.out") + ":\n" + tail(log));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(HOST, port), 200);
                socket.setSoTimeout(2000);
                String banner = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII)).readLine();
                if (banner != null && banner.startsWith("SSH-2.0")) {
                    return;
                }
                lastProblem = "unexpected banner " + banner;
            } catch (IOException e) {
                lastProblem = e.toString();
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SshProcessException("interrupted while waiting for sshd", e);
            }
        }
        throw new SshProcessException("sshd on port " + port + " sent no SSH-2.0 banner within "
                + READY_TIMEOUT.toSeconds() + " s (" + lastProblem + "); see " + log + ":\n" + tail(log));
    }

    private static void ensurePrivsepDir() throws IOException {
        if (!Files.isDirectory(PRIVSEP_DIR)) {
            Files.createDirectories(PRIVSEP_DIR);
            Files.setPosixFilePermissions(PRIVSEP_DIR, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(false);
            probe.bind(new InetSocketAddress(HOST, 0));
            return probe.getLocalPort();
        }
    }

    private static void writeAtomically(Path target, List<String> lines) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        Files.write(temporary, lines, StandardCharsets.UTF_8);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static boolean logMentions(Path log, String text) {
        return tail(log).contains(text) || tail(log.resolveSibling("sshd.out")).contains(text);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
