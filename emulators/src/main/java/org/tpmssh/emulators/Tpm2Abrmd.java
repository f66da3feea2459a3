package org.tpmssh.emulators;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * tpm2-abrmd, the resource manager tpm2-pkcs11 and tpm2-tools need on a simulator, on a private
 * D-Bus session bus of its own or a given one (docs/emulators.md).
 */
public final class Tpm2Abrmd implements AutoCloseable {

    /** The TCTI library that clients load to reach tpm2-abrmd; Debian ships it apart from the daemon. */
    public static final String TCTI_LIBRARY = "libtss2-tcti-tabrmd.so.0";

    /** The name tpm2-abrmd registers, and its TCTI looks for, when none is given. */
    public static final String DEFAULT_BUS_NAME = "com.intel.tss2.Tabrmd";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String backendTcti;
    private final SearchPath searchPath;
    private final List<Path> libraryDirectories;
    private final Duration readyTimeout;
    private final Path home;
    private final String busName;
    private SessionBus bus;
    private boolean ownBus;
    private EmulatorProcess abrmd;
    private boolean closed;

    private Tpm2Abrmd(Builder builder) {
        this.backendTcti = builder.backendTcti;
        this.searchPath = builder.searchPath;
        this.libraryDirectories = builder.libraryDirectories;
        this.readyTimeout = builder.readyTimeout;
        this.bus = builder.bus;
        // Short, so the bus socket path stays far below the 108-byte limit of a unix socket address.
        this.home = EmulatorProcess.tempDir("tabrmd-");
        // A bus name element must not start with a digit.
        this.busName = builder.busName != null ? builder.busName
                : "org.tpmssh.Tabrmd.i" + Long.toHexString(RANDOM.nextLong() & Long.MAX_VALUE);
    }

    /** A tpm2-abrmd in front of {@code backendTcti} (e.g. {@code swtpm:host=127.0.0.1,port=2321}), ready to use. */
    public static Tpm2Abrmd start(String backendTcti) {
        return builder(backendTcti).start();
    }

    /**
     * Why no tpm2-abrmd can be started here (a program or the tabrmd TCTI is not installed, named with its Debian
     * package), or empty when it can.
     */
    public static Optional<String> availability() {
        return missing(SearchPath.system(), LibraryPath.directories(), true);
    }

    private static Optional<String> missing(SearchPath searchPath, List<Path> libraryDirectories, boolean needBus) {
        for (String[] program : new String[][] {{"tpm2-abrmd", "tpm2-abrmd"}, {"dbus-daemon", "dbus-daemon"},
            {"tpm2_getcap", "tpm2-tools"}}) {
            if ((needBus || !program[0].equals("dbus-daemon")) && searchPath.find(program[0]).isEmpty()) {
                return Optional.of(program[0] + " is not installed (package " + program[1] + "); looked in "
                        + searchPath);
            }
        }
        if (LibraryPath.find(TCTI_LIBRARY, libraryDirectories).isEmpty()) {
            return Optional.of("the tabrmd TCTI " + TCTI_LIBRARY + " is not installed (package "
                    + "libtss2-tcti-tabrmd0): without it no client can reach tpm2-abrmd. Looked in "
                    + libraryDirectories);
        }
        return Optional.empty();
    }

    public static Builder builder(String backendTcti) {
        return new Builder(backendTcti);
    }

    /** Options for a tpm2-abrmd; each has a default that suits a test. */
    public static final class Builder {
        private final String backendTcti;
        private SearchPath searchPath = SearchPath.system();
        private List<Path> libraryDirectories = LibraryPath.directories();
        private Duration readyTimeout = EmulatorProcess.READY_TIMEOUT;
        private SessionBus bus;
        private String busName;

        private Builder(String backendTcti) {
            this.backendTcti = backendTcti;
        }

        /** Where to find tpm2-abrmd, dbus-daemon and tpm2_getcap; a test narrows it to hide one of them. */
        public Builder searchPath(SearchPath searchPath) {
            this.searchPath = searchPath;
            return this;
        }

        /** Where to look for the tabrmd TCTI library ({@link #TCTI_LIBRARY}). */
        public Builder libraryDirectories(List<Path> libraryDirectories) {
            this.libraryDirectories = List.copyOf(libraryDirectories);
            return this;
        }

        public Builder readyTimeout(Duration readyTimeout) {
            this.readyTimeout = readyTimeout;
            return this;
        }

        /**
         * Registers on {@code bus} (which stays up when this tpm2-abrmd stops) instead of a bus of its own, e.g.
         * {@link SessionBus#shared()}, the one this JVM's own tabrmd connections use.
         */
        public Builder bus(SessionBus bus) {
            this.bus = bus;
            return this;
        }

        /**
         * The D-Bus name to register, e.g. {@link #DEFAULT_BUS_NAME} so that a client's {@code --tcti
         * tabrmd:bus_type=session} finds it as it would a system's; default: a random name, so that several share
         * one bus.
         */
        public Builder busName(String busName) {
            this.busName = busName;
            return this;
        }

        public Tpm2Abrmd start() {
            // Checked before anything runs, so a missing package is named rather than seen as a start failure.
            missing(searchPath, libraryDirectories, bus == null).ifPresent(reason -> {
                throw new EmulatorException(reason);
            });
            Tpm2Abrmd rm = new Tpm2Abrmd(this);
            try {
                rm.launch(searchPath.find("tpm2-abrmd").orElseThrow(), searchPath.find("tpm2_getcap").orElseThrow());
                return rm;
            } catch (RuntimeException e) {
                rm.close();
                throw e;
            }
        }
    }

    private void launch(Path abrmdBinary, Path getcap) {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        if (bus == null) {
            bus = SessionBus.start(searchPath, remaining(deadline));
            ownBus = true;
        }
        abrmd = EmulatorProcess.start("tpm2-abrmd",
                List.of(abrmdBinary.toString(), "--session", "--allow-root", "--flush-all",
                        "--logger=stdout", "--dbus-name=" + busName, "--tcti=" + backendTcti),
                Map.of("DBUS_SESSION_BUS_ADDRESS", busAddress()), home, home.resolve("tpm2-abrmd.log"), List.of(),
                remaining(deadline));
        // Ready means a client gets an answer from the TPM through it, not merely that it owns its bus name.
        abrmd.awaitCondition(() -> answers(getcap, deadline), "a client could read the TPM's properties through it",
                remaining(deadline));
    }

    private boolean answers(Path getcap, long deadline) {
        ProcessBuilder builder = new ProcessBuilder(getcap.toString(), "properties-fixed").directory(home.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(environment());
        try {
            Process probe = ChildProcesses.start(builder);
            long waitMillis = Math.max(100, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            if (!probe.waitFor(waitMillis, TimeUnit.MILLISECONDS)) {
                probe.destroyForcibly();
                probe.waitFor();
                return false;
            }
            return probe.exitValue() == 0;
        } catch (IOException e) {
            throw new EmulatorException("cannot run " + getcap + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmulatorException("interrupted while waiting for tpm2-abrmd");
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /** The TCTI a client uses, e.g. {@code tabrmd:bus_type=session,bus_name=org.tpmssh.Tabrmd.i3f…}. */
    public String tcti() {
        return "tabrmd:bus_type=session,bus_name=" + busName;
    }

    public String busName() {
        return busName;
    }

    /** The private bus, as clients find it in DBUS_SESSION_BUS_ADDRESS. */
    public String busAddress() {
        return bus.address();
    }

    /** The TPM tpm2-abrmd serves, as given. */
    public String backendTcti() {
        return backendTcti;
    }

    /**
     * What a client process needs to reach this TPM: the bus address and the TCTI for tpm2-tools
     * (TPM2TOOLS_TCTI) and for libtpm2_pkcs11 (TPM2_PKCS11_TCTI).
     */
    public Map<String, String> environment() {
        return Map.of("DBUS_SESSION_BUS_ADDRESS", busAddress(), "TPM2TOOLS_TCTI", tcti(), "TPM2_PKCS11_TCTI", tcti());
    }

    public long pid() {
        return abrmd.pid();
    }

    public long dbusPid() {
        return bus.pid();
    }

    public boolean isAlive() {
        return abrmd != null && abrmd.isAlive() && bus != null && bus.isAlive();
    }

    /** What tpm2-abrmd logged so far, for a failure message. */
    public String logText() {
        return abrmd == null ? "(not started)" : abrmd.logText();
    }

    /** Stops and reaps tpm2-abrmd, then its bus if it is its own, and deletes the temp files. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (abrmd != null) {
                abrmd.stop();
            }
        } finally {
            if (ownBus && bus != null) {
                bus.close();
            }
            EmulatorProcess.deleteTree(home);
        }
    }
}
