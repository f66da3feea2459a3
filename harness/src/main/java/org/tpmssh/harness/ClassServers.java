package org.tpmssh.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.tpmssh.sshserver.MinaSshServer;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.sshserver.SshServerUnderTest;

/** The servers a test class shares: one sshd and one MINA SSHD per class, not per test, stopped when the class ends. */
final class ClassServers implements ExtensionContext.Store.CloseableResource {
    private final Path dir;
    private final Map<String, SshServerUnderTest> servers = new HashMap<>();
    private boolean keep;

    ClassServers() throws java.io.IOException {
        this.dir = Files.createTempDirectory("tpmssh-servers-");
    }

    synchronized SshServerUnderTest server(String name) throws Exception {
        SshServerUnderTest s = servers.get(name);
        if (s == null) {
            s = switch (name) {
                case "openssh" -> OpenSshServer.start(dir.resolve(name), List.of());
                case "mina" -> MinaSshServer.start(dir.resolve(name), List.of());
                default -> throw new IllegalStateException("unknown server " + name);
            };
            servers.put(name, s);
        }
        return s;
    }

    /** The sshd log path if an sshd was started, for attaching to a failed test. */
    synchronized java.util.Optional<Path> keepLogForFailure() {
        keep = true;
        return sshdLog();
    }

    synchronized java.util.Optional<Path> sshdLog() {
        return java.util.Optional.ofNullable(servers.get("openssh")).map(s -> ((OpenSshServer) s).logFile());
    }

    @Override
    public synchronized void close() {
        servers.values().forEach(SshServerUnderTest::close);
        servers.clear();
        // A failed test published the sshd log by path, so its directory outlives the class.
        if (!keep) {
            MatrixRun.deleteTree(dir);
        }
    }
}
