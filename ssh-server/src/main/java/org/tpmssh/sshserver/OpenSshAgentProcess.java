package org.tpmssh.sshserver;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tpmssh.emulators.ChildProcesses;

/**
 * OpenSSH's own {@code ssh-agent} in the foreground on a socket of ours, holding key files or the keys of a PKCS#11
 * module that {@code ssh-add -s} loaded, as a user loads a token; reaped by PID. Its {@code ssh-pkcs11-helper} loads
 * the module with the agent's environment, so whatever the module needs to find its tokens goes to {@link #start}.
 */
public final class OpenSshAgentProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final Path socket;
    private final Path module;

    private OpenSshAgentProcess(Process process, Path socket, Path module) {
        this.process = process;
        this.socket = socket;
        this.module = module;
    }

    /** Starts a plain {@code ssh-agent -D -a socket} for key files ({@link #addKeyFile}); it loads no module. */
    public static OpenSshAgentProcess start(Path socket) throws IOException {
        return start(socket, null, Map.of());
    }

    /**
     * Starts {@code ssh-agent -D -a socket}, allowed to load only {@code module} (by the name given and by its real
     * path: ssh-agent resolves symlinks before it checks its allow-list), with {@code moduleEnvironment} added to
     * its environment; its log goes beside the socket.
     */
    public static OpenSshAgentProcess start(Path socket, Path module, Map<String, String> moduleEnvironment)
            throws IOException {
        Files.createDirectories(socket.getParent());
        List<String> command = new ArrayList<>(List.of("ssh-agent", "-D", "-a", socket.toString()));
        if (module != null) {
            Set<String> allowed = new LinkedHashSet<>(List.of(module.toString(), module.toRealPath().toString()));
            command.addAll(List.of("-P", String.join(",", allowed)));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(socket.resolveSibling("ssh-agent.log").toFile());
        builder.environment().putAll(moduleEnvironment);
        Process process = ChildProcesses.start(builder);
        OpenSshAgentProcess agent = new OpenSshAgentProcess(process, socket, module);
        try {
            long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
            // The socket file appears at bind(), before listen(): only a connection proves the agent is ready.
            while (!accepts(socket)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new SshProcessException("ssh-agent did not accept connections on " + socket + " within "
                            + READY_TIMEOUT.toSeconds() + " s; see " + socket.resolveSibling("ssh-agent.log"));
                }
                Thread.sleep(5);
            }
            return agent;
        } catch (IOException | RuntimeException e) {
            agent.close();
            throw e;
        } catch (InterruptedException e) {
            agent.close();
            Thread.currentThread().interrupt();
            throw new SshProcessException("interrupted while ssh-agent started", e);
        }
    }

    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return probe.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    public Path socket() {
        return socket;
    }

    /** {@code SSH_AUTH_SOCK} for a client of this agent. */
    public Map<String, String> environment() {
        return Map.of("SSH_AUTH_SOCK", socket.toString());
    }

    /**
     * {@code ssh-add -s module}: ssh-add asks {@code askpass} for the PIN once (it always asks, whether a token needs
     * one or not) and the agent's helper logs in to each token that requires it.
     */
    public CommandResult addModule(Askpass askpass) throws SshProcessException {
        if (module == null) {
            throw new IllegalStateException("this ssh-agent was started without a PKCS#11 module");
        }
        Map<String, String> env = new HashMap<>(askpass.environment());
        env.putAll(environment());
        return CommandRunner.run(List.of("ssh-add", "-s", module.toString()), env, OpenSshClient.DEFAULT_TIMEOUT);
    }

    /** {@code ssh-add -q file}: adds an unencrypted private key file. */
    public CommandResult addKeyFile(Path privateKey) throws SshProcessException {
        return CommandRunner.run(List.of("ssh-add", "-q", privateKey.toString()), environment(),
                OpenSshClient.DEFAULT_TIMEOUT);
    }

    /**
     * Removes every key but those of {@code keepLines} (authorized_keys lines, compared by key blob), as a user
     * would with {@code ssh-add -d}: a module offers every key of every token, and a client offering them all would
     * run into the server's MaxAuthTries.
     */
    public void keepOnly(List<String> keepLines, Path scratch) throws IOException {
        List<String> keep = new ArrayList<>();
        keepLines.forEach(line -> keep.add(blob(line)));
        int n = 0;
        for (String line : OpenSshClient.listAgentKeys(socket)) {
            if (!keep.contains(blob(line))) {
                Path pub = Files.writeString(scratch.resolve("other-" + n++ + ".pub"), line + "\n");
                CommandResult removed = CommandRunner.run(List.of("ssh-add", "-d", pub.toString()), environment(),
                        OpenSshClient.DEFAULT_TIMEOUT);
                if (!removed.succeeded()) {
                    throw new SshProcessException("ssh-add -d of a key the run does not use failed: "
                            + removed.describe());
                }
            }
        }
    }

    private static String blob(String authorizedKeysLine) {
        String[] parts = authorizedKeysLine.split(" ");
        return parts.length > 1 ? parts[1] : authorizedKeysLine;
    }

    /** Stops the agent and its helper and reaps both. */
    @Override
    public void close() {
        CommandRunner.kill(process);
    }
}
