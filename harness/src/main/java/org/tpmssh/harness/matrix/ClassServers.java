package org.tpmssh.harness.matrix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.backends.TempDirs;
import org.tpmssh.sshserver.MinaSshServer;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.sshserver.SshServerUnderTest;

/** The servers a test class shares: one sshd and one MINA SSHD per class, not per test, stopped when the class ends. */
final class ClassServers implements ExtensionContext.Store.CloseableResource {
    private final Path dir;
    private final Map<Server, SshServerUnderTest> servers = new EnumMap<>(Server.class);
    private boolean keep;

    ClassServers() throws java.io.IOException {
        this.dir = Files.createTempDirectory("tpmssh-servers-");
    }

    synchronized SshServerUnderTest server(Server kind) throws Exception {
        SshServerUnderTest s = servers.get(kind);
        if (s == null) {
            Path home = dir.resolve(kind.label());
            s = switch (kind) {
                case OPENSSH -> OpenSshServer.start(home, List.of());
                case MINA -> MinaSshServer.start(home, List.of());
            };
            servers.put(kind, s);
        }
        return s;
    }

    /** The sshd log path if an sshd was started, for attaching to a failed test. */
    synchronized java.util.Optional<Path> keepLogForFailure() {
        keep = true;
        return sshdLog();
    }

    synchronized java.util.Optional<Path> sshdLog() {
        return java.util.Optional.ofNullable(servers.get(Server.OPENSSH)).map(s -> ((OpenSshServer) s).logFile());
    }

    @Override
    public synchronized void close() {
        servers.values().forEach(SshServerUnderTest::close);
        servers.clear();
        // A failed test published the sshd log by path, so its directory outlives the class.
        if (!keep) {
            TempDirs.delete(dir);
        }
    }
}
