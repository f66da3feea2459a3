package org.tpmssh.sshserver;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tpmssh.emulators.ChildProcesses;

/**
 * Runs a short-lived OpenSSH program (ssh, ssh-add, ssh-keygen) to completion with a hard deadline, and kills and reaps it
 * and anything it spawned when the deadline passes, so a hung ssh never outlives its test.
 */
public final class CommandRunner {

    private static final File DEV_NULL = new File("/dev/null");
    private static final Duration REAP_TIMEOUT = Duration.ofSeconds(5);

    private CommandRunner() {
    }

    public static CommandResult run(List<String> command, Map<String, String> environment, Duration timeout)
            throws SshProcessException {
        return run(command, environment, timeout, DEV_NULL.toPath());
    }

    /** As {@link #run(List, Map, Duration)}, with stdin read from {@code input} (e.g. a file to verify). */
    public static CommandResult run(List<String> command, Map<String, String> environment, Duration timeout,
            Path input) throws SshProcessException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(input.toFile());
        // Nothing may prompt: a test has no terminal and no one to answer.
        builder.environment().remove("SSH_ASKPASS");
        builder.environment().remove("DISPLAY");
        builder.environment().putAll(environment);
        long started = System.nanoTime();
        Process process;
        try {
            process = ChildProcesses.start(builder);
        } catch (IOException e) {
            throw new SshProcessException("cannot start " + command.get(0) + ": " + e.getMessage()
                    + "; is openssh-client installed?", e);
        }
        // Drain both pipes concurrently so a chatty ssh -vvv cannot block on a full pipe.
        CompletableFuture<String> stdout = drain(process.getInputStream());
        CompletableFuture<String> stderr = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new SshProcessException(String.join(" ", command) + " did not finish within "
                        + timeout.toSeconds() + " s and was killed; stderr so far:\n" + partial(stderr));
            }
            long elapsed = System.nanoTime() - started;
            return new CommandResult(process.exitValue(), await(stdout), await(stderr), elapsed);
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new SshProcessException("interrupted while running " + command.get(0), e);
        }
    }

    /** destroy, then destroyForcibly, children first so none is left behind re-parented to init. */
    public static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        awaitExit(process.toHandle());
        descendants.forEach(CommandRunner::awaitExit);
    }

    private static void awaitExit(ProcessHandle handle) {
        try {
            handle.onExit().get(REAP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            handle.destroyForcibly();
            try {
                handle.onExit().get(REAP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException ignored) {
                // Unkillable (uninterruptible sleep); nothing more a JVM can do.
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        // Own threads, not the common pool: on two cores it has one worker, and parallel logins
        // would then drain one pipe at a time while the others fill up and block their ssh.
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, task -> {
            Thread thread = new Thread(task, "tpmssh-process-output");
            thread.setDaemon(true);
            thread.start();
        });
    }

    private static String await(CompletableFuture<String> output) throws SshProcessException {
        try {
            return output.get(REAP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SshProcessException("interrupted while reading process output", e);
        } catch (ExecutionException | TimeoutException e) {
            // A grandchild still holding the pipe open would land here.
            throw new SshProcessException("could not read process output: " + e, e);
        }
    }

    private static String partial(CompletableFuture<String> output) {
        try {
            return output.get(1, TimeUnit.SECONDS); // the pipe closes once the process is dead
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        } catch (ExecutionException | TimeoutException e) {
            return "(not available)";
        }
    }
}
