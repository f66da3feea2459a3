package org.tpmssh.harness.tpm2pkcs11;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.stack.pin.Secrets;

/** OpenSSH's ssh-agent with the module's keys added by ssh-add -s, started on first use, reaped by PID. */
final class OpenSshAgent implements StackAdapter.Agent {
    final PtoolStore store;
    private final Path socket;
    final char[] pin;
    final List<String> keys;
    private Process process;
    private CommandResult refused;

    OpenSshAgent(PtoolStore store, Path socket, char[] pin, List<String> keys) {
        this.store = store;
        this.socket = socket;
        this.pin = pin;
        this.keys = List.copyOf(keys);
    }

    @Override
    public synchronized Path socketPath() {
        if (process == null) {
            try {
                start();
            } catch (Exception e) {
                close();
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        if (refused != null) {
            throw new IllegalStateException(refusalMessage());
        }
        return socket;
    }

    /**
     * Starts the agent if it is not running; the failed {@code ssh-add -s} when the module refused to hand over
     * the token's keys (a wrong PIN, lockout), which is this client's failed login, or empty when it loaded them.
     */
    synchronized Optional<CommandResult> refusal() throws Exception {
        if (process == null) {
            try {
                start();
            } catch (Exception e) {
                close();
                throw e;
            }
        }
        return refused == null ? Optional.empty() : Optional.of(new CommandResult(refused.exitCode(),
                refused.stdout(), refusalMessage() + "\n" + agentLog(), refused.wallNanos()));
    }

    private String refusalMessage() {
        return "ssh-add -s " + store.installation().module() + " failed (exit " + refused.exitCode() + "): "
                + refused.stderr().strip();
    }

    /** What ssh-agent said, e.g. "C_Login failed: 164" (CKR_PIN_LOCKED) for a token in lockout. */
    private String agentLog() {
        try {
            return "ssh-agent: " + Files.readString(socket.getParent().resolve("ssh-agent.log")).strip();
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private void start() throws Exception {
        Path module = store.installation().module();
        Files.createDirectories(socket.getParent());
        // ssh-agent resolves the module's symlinks before it checks the allow-list, so allow both names.
        ProcessBuilder builder = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString(), "-P",
                module + "," + module.toRealPath()).redirectErrorStream(true)
                .redirectOutput(socket.getParent().resolve("ssh-agent.log").toFile());
        builder.environment().putAll(store.environment());
        process = ChildProcesses.start(builder);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.exists(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STEP_FAILED,
                        "ssh-agent did not open " + socket);
            }
            Thread.sleep(5);
        }
        CommandResult add = withAskpass(env -> {
            env.put("SSH_AUTH_SOCK", socket.toString());
            return store.run(List.of("ssh-add", "-s", module.toString()), env);
        });
        if (!add.succeeded()) {
            refused = add;
            return;
        }
        // ssh-add -s loads every key of every token; keep only the run's, as a user would with ssh-add -d,
        // so a client does not exhaust the server's MaxAuthTries on the class's other keys.
        Map<String, String> agentEnv = Map.of("SSH_AUTH_SOCK", socket.toString());
        CommandResult listed = store.run(List.of("ssh-add", "-L"), agentEnv);
        Path dir = store.scratch("agent-keys");
        int n = 0;
        for (String line : listed.stdout().lines().filter(l -> !l.isBlank()).toList()) {
            String blob = line.split(" ")[1];
            if (keys.stream().noneMatch(k -> k.split(" ")[1].equals(blob))) {
                Path pub = Files.writeString(dir.resolve("other-" + n++ + ".pub"), line + "\n");
                CommandResult removed = store.run(List.of("ssh-add", "-d", pub.toString()), agentEnv);
                if (!removed.succeeded()) {
                    throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STEP_FAILED,
                            "ssh-add -d of another key failed: " + removed.stderr().strip());
                }
            }
        }
    }

    interface WithEnv {
        CommandResult run(Map<String, String> env) throws Exception;
    }

    /**
     * Runs {@code body} with SSH_ASKPASS pointing at a script that prints the PIN from a 0600 file, and
     * SSH_ASKPASS_REQUIRE=force, as a desktop user's askpass would answer; both files are deleted after.
     */
    CommandResult withAskpass(WithEnv body) throws Exception {
        Path dir = store.scratch("askpass");
        Path pinFile = dir.resolve("pin");
        Files.createFile(pinFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        byte[] bytes = pin == null ? new byte[0] : new String(pin).getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(pinFile, bytes);
        } finally {
            Secrets.wipe(bytes);
        }
        Path script = dir.resolve("askpass");
        Files.createFile(script, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.writeString(script, "#!/bin/sh\ncat '" + pinFile + "'\necho\n");
        try {
            Map<String, String> env = new java.util.HashMap<>();
            env.put("SSH_ASKPASS", script.toString());
            env.put("SSH_ASKPASS_REQUIRE", "force");
            env.put("DISPLAY", ":0");
            return body.run(env);
        } finally {
            Files.deleteIfExists(pinFile);
            Files.deleteIfExists(script);
            Files.deleteIfExists(dir);
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            CommandRunner.kill(process);
            process = null;
        }
        Secrets.wipe(pin);
    }
}
