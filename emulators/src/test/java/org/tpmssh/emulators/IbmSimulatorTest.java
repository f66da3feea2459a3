package org.tpmssh.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding tpm_server, and running it when it is there (set TPMSSH_IBM_SIMULATOR or put it on PATH). */
class IbmSimulatorTest {

    @Test
    void findsTheSimulatorThroughTheVariableOrPath(@TempDir Path dir) throws IOException {
        Path binary = Files.writeString(dir.resolve("tpm_server"), "#!/bin/sh\n");
        Path plain = Files.writeString(dir.resolve("plain"), "");

        assertThat(IbmSimulator.executable(Map.of("PATH", "/nonexistent"))).isEmpty();
        assertThat(IbmSimulator.executable(Map.of("PATH", dir.toString()))).isEmpty();
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwx------"));
        assertThat(IbmSimulator.executable(Map.of("PATH", "/nonexistent:" + dir))).contains(binary);
        assertThat(IbmSimulator.executable(Map.of(IbmSimulator.ENVIRONMENT_VARIABLE, binary.toString())))
                .contains(binary);
        assertThat(IbmSimulator.executable(Map.of(IbmSimulator.ENVIRONMENT_VARIABLE, plain.toString(),
                "PATH", dir.toString()))).as("a set variable wins over PATH, even when it is wrong").isEmpty();
    }

    @Test
    void startsOnFreePortsAndIsReaped() throws IOException {
        assumeTrue(IbmSimulator.availability().isEmpty(), () -> IbmSimulator.availability().orElseThrow());
        IbmSimulator sim = IbmSimulator.start();
        long pid = sim.pid();
        Path workDir = sim.workDir();
        try (Socket socket = new Socket()) {
            assertThat(sim.tcti()).isEqualTo("mssim:host=127.0.0.1,port=" + sim.port());
            assertThat(sim.platformPort()).isEqualTo(sim.port() + 1);
            socket.connect(new InetSocketAddress(sim.host(), sim.platformPort()), 1000);
        } finally {
            sim.close();
            sim.close();
        }
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(workDir).doesNotExist();
    }
}
