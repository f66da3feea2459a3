package org.tpmssh.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.sshserver.SshServerUnderTest;

/**
 * What one matrix invocation hands its scenario: the combination, its running backend and stack, a server
 * shared by the test class, a private work dir, and helpers that time what they do. Keys and agents made here
 * are closed when the invocation ends.
 */
public final class MatrixRun {
    /** The PIN of keys this run creates with a PIN; a scenario about wrong PINs uses anything else. */
    public static final String PIN = "482913";

    private final Combination combination;
    private final TpmBackend backend;
    private final StackAdapter stack;
    private final ClassServers servers;
    private final Path workDir;
    private final ExtensionContext context;
    private final List<AutoCloseable> toClose = Collections.synchronizedList(new ArrayList<>());

    MatrixRun(Combination combination, TpmBackend backend, StackAdapter stack, ClassServers servers, Path workDir,
            ExtensionContext context) {
        this.combination = combination;
        this.backend = backend;
        this.stack = stack;
        this.servers = servers;
        this.workDir = workDir;
        this.context = context;
    }

    public Combination combination() {
        return combination;
    }

    public TpmBackend backend() {
        return backend;
    }

    public StackAdapter stack() {
        return stack;
    }

    /** A directory of this invocation's own, deleted when it ends. */
    public Path workDir() {
        return workDir;
    }

    /** The PIN for this combination's origin: {@link #PIN}, or none for a PIN-less key. */
    public char[] pin() {
        return combination.pinless() ? null : PIN.toCharArray();
    }

    /** A key of the combination's type and origin, closed with the invocation. */
    public StackAdapter.Key key(String comment) throws Exception {
        return track(stack.createKey(backend, combination.keyType(), pin(), comment));
    }

    /** A key with a chosen PIN (null for PIN-less), e.g. to test a wrong PIN against it. */
    public StackAdapter.Key key(String comment, char[] pin) throws Exception {
        return track(stack.createKey(backend, combination.keyType(), pin, comment));
    }

    public StackAdapter.Agent agent(List<? extends StackAdapter.Key> keys) throws Exception {
        Path dir = Files.createTempDirectory(workDir, "agent");
        return track(stack.startAgent(dir.resolve("agent.sock"), keys));
    }

    /** The class's server for this combination, now accepting exactly {@code authorizedKeysLines}. */
    public SshServerUnderTest server(List<String> authorizedKeysLines) throws Exception {
        SshServerUnderTest server = servers.server(combination.server());
        server.setAuthorizedKeys(authorizedKeysLines);
        return server;
    }

    /**
     * {@code ssh -v … true} through {@code agent} to {@code server}, timed as a LOGIN; {@code -v} lets
     * {@link LoginDiagnosis} say why a login failed.
     */
    public CommandResult login(SshServerUnderTest server, StackAdapter.Agent agent, String... extraSshArguments)
            throws Exception {
        OpenSshClient ssh = new OpenSshClient(Files.createTempDirectory(workDir, "client"), server);
        List<String> args = new ArrayList<>(List.of("-v"));
        args.addAll(List.of(extraSshArguments));
        CommandResult r = ssh.run(agent.socketPath(), args, "true");
        if (r.succeeded()) {
            LatencySink.current().record(combination.id(), LatencySink.Operation.LOGIN, r.wallNanos());
        }
        return r;
    }

    /** The sshd log of the class's OpenSSH server (LogLevel DEBUG3). */
    public Path sshdLog() throws Exception {
        return ((OpenSshServer) servers.server("openssh")).logFile();
    }

    public void publish(String key, String value) {
        context.publishReportEntry(Map.of(key, value));
    }

    private <T extends AutoCloseable> T track(T resource) {
        toClose.add(resource);
        return resource;
    }

    void close() {
        List<AutoCloseable> all;
        synchronized (toClose) {
            all = new ArrayList<>(toClose);
        }
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                System.getLogger(MatrixRun.class.getName()).log(System.Logger.Level.WARNING,
                        "could not close " + c + ": " + e.getMessage());
            }
        }
        deleteTree(workDir);
    }

    static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Already gone, or a socket vanished under us: nothing of ours is left to delete.
        }
    }
}
