package org.tpmssh.emulators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real swtpm binary: starting, port choice, restart, kill, and reaping. */
class SwtpmTest {

    @Test
    void startsOnTwoConsecutiveFreePortsAndAcceptsConnections() throws IOException {
        try (Swtpm tpm = Swtpm.start()) {
            assertThat(tpm.port()).isPositive();
            assertThat(tpm.ctrlPort()).isEqualTo(tpm.port() + 1);
            assertThat(tpm.tcti()).isEqualTo("swtpm:host=127.0.0.1,port=" + tpm.port());
            assertThat(tpm.isAlive()).isTrue();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(tpm.host(), tpm.port()), 1000);
            }
        }
    }

    @Test
    void twoAtOnceDoNotCollide() {
        try (Swtpm a = Swtpm.start(); Swtpm b = Swtpm.start()) {
            assertThat(a.port()).isNotEqualTo(b.port()).isNotEqualTo(b.ctrlPort());
            assertThat(a.ctrlPort()).isNotEqualTo(b.port());
            assertThat(a.stateDir()).isNotEqualTo(b.stateDir());
            assertThat(a.isAlive()).isTrue();
            assertThat(b.isAlive()).isTrue();
        }
    }

    @Test
    void closeReapsTheProcessDeletesItsFilesAndIsIdempotent() {
        Swtpm tpm = Swtpm.start();
        long pid = tpm.pid();
        Path stateDir = tpm.stateDir();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);

        tpm.close();
        tpm.close();

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(stateDir).doesNotExist();
    }

    @Test
    void killEndsTheProcessAtOnce() {
        try (Swtpm tpm = Swtpm.start()) {
            long pid = tpm.pid();
            tpm.kill();
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(tpm.isAlive()).isFalse();
        }
    }

    @Test
    void restartKeepsAGivenStateDirAndCloseLeavesIt(@TempDir Path stateDir) {
        try (Swtpm tpm = Swtpm.builder().stateDir(stateDir).start()) {
            long first = tpm.pid();
            tpm.restart();
            assertThat(tpm.pid()).isNotEqualTo(first);
            assertThat(ProcessHandle.of(first).filter(ProcessHandle::isAlive)).isEmpty();
            assertThat(tpm.isAlive()).isTrue();
        }
        // swtpm writes its permanent state file on start; it must survive close for a later restart.
        assertThat(stateDir.resolve("tpm2-00.permall")).exists();
    }

    @ParameterizedTest(name = "unixSocket={0}")
    @ValueSource(booleans = {false, true})
    void startAgainAfterAKillServesTheSameAddressAndState(boolean unixSocket) throws IOException {
        try (Swtpm tpm = Swtpm.builder().unixSocket(unixSocket).start()) {
            String tcti = tpm.tcti();
            long first = tpm.pid();
            assertThatThrownBy(tpm::startAgain).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("kill() it first");
            tpm.kill();
            tpm.startAgain();
            assertThat(tpm.pid()).isNotEqualTo(first);
            assertThat(tpm.isAlive()).isTrue();
            assertThat(tpm.tcti()).isEqualTo(tcti);
        }
    }

    @Test
    void servesUnixSocketsWhenAsked() {
        try (Swtpm tpm = Swtpm.builder().unixSocket(true).start()) {
            assertThat(tpm.socketPath()).exists();
            assertThat(tpm.ctrlSocketPath()).exists();
            assertThat(tpm.tcti()).isEqualTo("swtpm:path=" + tpm.socketPath());
            assertThat(tpm.port()).isZero();
        }
    }

    @Test
    void aFailedStartSaysWhyWithTheLogAndLeavesNoProcess(@TempDir Path dir) throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("file"), "x");
        long before = swtpmChildren();

        assertThatThrownBy(() -> Swtpm.builder().stateDir(notADirectory).start())
                .isInstanceOf(EmulatorException.class)
                .hasMessageContaining("swtpm exited with status")
                .hasMessageContaining("says:");
        assertThat(swtpmChildren()).isEqualTo(before);
    }

    private static long swtpmChildren() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().command().flatMap(c -> Optional.of(c.endsWith("swtpm"))).orElse(false))
                .count();
    }
}
