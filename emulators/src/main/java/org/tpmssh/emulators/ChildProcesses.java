package org.tpmssh.emulators;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts the processes tests and the harness need (emulators, servers, agents, clients) so that each dies with this
 * JVM even when the JVM is SIGKILLed: a shutdown hook never runs then, and a CI timeout or PIT's minion reaper kills
 * exactly that way. See docs/child-processes.md.
 */
public final class ChildProcesses {
    /** util-linux's setpriv sets PR_SET_PDEATHSIG, then execs the program: same PID, same arguments after it. */
    private static final Optional<Path> SETPRIV = SearchPath.system().find("setpriv");
    private static final List<String> DEATH_SIGNAL = List.of("--pdeathsig", "SIGKILL", "--");

    /**
     * The kernel sends the death signal when the *thread* that forked the child ends, not the process: a child
     * forked from a JUnit worker or a pool thread would die with that thread. Every fork happens on this one
     * thread instead, which lives as long as the JVM.
     */
    private static final ExecutorService FORKER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "tpmssh-child-forker");
        thread.setDaemon(true);
        return thread;
    });

    private ChildProcesses() {
    }

    /**
     * Starts {@code builder}'s command as {@link ProcessBuilder#start()} does, and as a child that the kernel kills
     * when this JVM ends. A program that cannot be found fails here with the usual IOException, not later inside
     * setpriv; where setpriv itself is missing the child starts plainly and only the shutdown hooks reap it.
     */
    public static Process start(ProcessBuilder builder) throws IOException {
        List<String> command = builder.command();
        ProcessBuilder launch = builder;
        Optional<Path> program = command.isEmpty() ? Optional.empty() : resolve(command.get(0), builder);
        if (SETPRIV.isPresent() && program.isPresent()) {
            List<String> wrapped = new ArrayList<>(command.size() + 4);
            wrapped.add(SETPRIV.get().toString());
            wrapped.addAll(DEATH_SIGNAL);
            wrapped.add(program.get().toString());
            wrapped.addAll(command.subList(1, command.size()));
            launch = copy(builder, wrapped);
        }
        ProcessBuilder chosen = launch;
        Future<Process> forked = FORKER.submit(chosen::start);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return forked.get();
                } catch (InterruptedException e) {
                    // The fork is already under way; abandoning it would leave a child nobody holds.
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The executable {@code program} names, found as the JDK finds it (this JVM's PATH, not the child's), so
     * setpriv runs the same file; empty when there is none, and then the plain start fails as usual.
     */
    private static Optional<Path> resolve(String program, ProcessBuilder builder) {
        if (program.contains(File.separator)) {
            File file = new File(program);
            if (!file.isAbsolute() && builder.directory() != null) {
                file = new File(builder.directory(), program);
            }
            return file.isFile() && file.canExecute() ? Optional.of(file.toPath().toAbsolutePath()) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "");
        List<Path> dirs = new ArrayList<>();
        for (String entry : path.split(File.pathSeparator)) {
            if (!entry.isEmpty()) {
                dirs.add(Path.of(entry).toAbsolutePath());
            }
        }
        return SearchPath.only(dirs).find(program);
    }

    private static ProcessBuilder copy(ProcessBuilder builder, List<String> command) {
        ProcessBuilder copy = new ProcessBuilder(command).directory(builder.directory())
                .redirectInput(builder.redirectInput()).redirectOutput(builder.redirectOutput())
                .redirectError(builder.redirectError()).redirectErrorStream(builder.redirectErrorStream());
        copy.environment().clear();
        copy.environment().putAll(builder.environment());
        return copy;
    }

    /** Whether children started here die with the JVM (setpriv is installed). */
    public static boolean dieWithTheJvm() {
        return SETPRIV.isPresent();
    }
}
