package org.tpmssh.emulators;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A private D-Bus session bus ({@code dbus-daemon}) on one socket in a temp dir, for tpm2-abrmd and its clients;
 * {@link #shared()} is the one a JVM's own TCTI connections use (docs/emulators.md).
 */
public final class SessionBus implements AutoCloseable {

    private static SessionBus shared;

    private final Path home;
    private final EmulatorProcess daemon;
    private boolean closed;

    private SessionBus(Path home, EmulatorProcess daemon) {
        this.home = home;
        this.daemon = daemon;
    }

    /** A new bus, ready when its socket accepts; the caller closes it. */
    public static SessionBus start() {
        return start(SearchPath.system(), EmulatorProcess.READY_TIMEOUT);
    }

    /** As {@link #start()}, finding {@code dbus-daemon} on {@code searchPath}. */
    public static SessionBus start(SearchPath searchPath, Duration readyTimeout) {
        Path binary = searchPath.find("dbus-daemon").orElseThrow(() -> new EmulatorException(
                "dbus-daemon is not installed (package dbus-daemon); looked in " + searchPath));
        // Short, so the bus socket path stays far below the 108-byte limit of a unix socket address.
        Path home = EmulatorProcess.tempDir("dbus-");
        try {
            Path socket = home.resolve("bus.sock");
            Path config = Files.writeString(home.resolve("bus.conf"), busConfig(socket));
            EmulatorProcess daemon = EmulatorProcess.start("dbus-daemon",
                    List.of(binary.toString(), "--config-file=" + config, "--nofork", "--nopidfile"), home,
                    home.resolve("dbus.log"), List.of(UnixDomainSocketAddress.of(socket)), readyTimeout);
            return new SessionBus(home, daemon);
        } catch (IOException e) {
            EmulatorProcess.deleteTree(home);
            throw new EmulatorException("cannot write the D-Bus config in " + home + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            EmulatorProcess.deleteTree(home);
            throw e;
        }
    }

    /**
     * The bus this JVM's own tabrmd connections use, started on first use and stopped when the JVM exits. A
     * process has one session bus: the tabrmd TCTI finds it in DBUS_SESSION_BUS_ADDRESS, and GLib keeps the first
     * connection it made for the life of the process, so every tpm2-abrmd our JVM talks to registers here, each
     * under a name of its own.
     */
    public static synchronized SessionBus shared() {
        if (shared == null || !shared.isAlive()) {
            SessionBus bus = start();
            Runtime.getRuntime().addShutdownHook(new Thread(bus::close, "tpmssh-session-bus-stop"));
            shared = bus;
        }
        return shared;
    }

    /**
     * A session bus that only its own user reaches, listening on one socket in our temp dir. Written out in
     * full rather than including the system's session.conf, which would add service activation and the
     * user's own bus settings to a test.
     */
    private static String busConfig(Path socket) {
        return """
                <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
                 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
                <busconfig>
                  <type>session</type>
                  <listen>unix:path=%s</listen>
                  <auth>EXTERNAL</auth>
                  <policy context="default">
                    <allow send_destination="*" eavesdrop="true"/>
                    <allow eavesdrop="true"/>
                    <allow own="*"/>
                  </policy>
                </busconfig>
                """.formatted(socket);
    }

    /** As clients find it in DBUS_SESSION_BUS_ADDRESS. */
    public String address() {
        return "unix:path=" + home.resolve("bus.sock");
    }

    public long pid() {
        return daemon.pid();
    }

    public boolean isAlive() {
        return !closed && daemon.isAlive();
    }

    /** Stops and reaps dbus-daemon and deletes its temp dir. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            daemon.stop();
        } finally {
            EmulatorProcess.deleteTree(home);
        }
    }
}
