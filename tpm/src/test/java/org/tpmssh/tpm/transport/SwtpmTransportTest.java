package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tpmssh.tpm.transport.Tpm2.assertEightRandomBytes;
import static org.tpmssh.tpm.transport.Tpm2.rc;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;

/** SwtpmTransport against a real swtpm, over TCP and unix sockets, including its control channel. */
class SwtpmTransportTest {

    private static final TransportTimeouts TIMEOUT = TransportTimeouts.of(Duration.ofSeconds(10));

    private static SwtpmTransport open(Swtpm tpm) throws TransportException {
        return (SwtpmTransport) Tcti.parse(tpm.tcti()).connect(TIMEOUT);
    }

    @ParameterizedTest(name = "unixSocket={0}")
    @ValueSource(booleans = {false, true})
    void getRandomReturnsEightBytes(boolean unixSocket) throws Exception {
        try (Swtpm tpm = Swtpm.builder().unixSocket(unixSocket).start(); SwtpmTransport transport = open(tpm)) {
            byte[] first = transport.transmit(Tpm2.getRandom8());
            byte[] second = transport.transmit(Tpm2.getRandom8());
            assertEightRandomBytes(first);
            assertEightRandomBytes(second);
            assertThat(first).isNotEqualTo(second);
        }
    }

    @ParameterizedTest(name = "unixSocket={0}")
    @ValueSource(booleans = {false, true})
    void aPowerCycleNeedsStartupAgain(boolean unixSocket) throws Exception {
        try (Swtpm tpm = Swtpm.builder().unixSocket(unixSocket).start(); SwtpmTransport transport = open(tpm)) {
            transport.control().powerCycle();

            assertThat(rc(transport.transmit(Tpm2.getRandom8()))).isEqualTo(Tpm2.RC_INITIALIZE);
            assertThat(rc(transport.transmit(Tpm2.startupClear()))).isEqualTo(Tpm2.RC_SUCCESS);
            assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));
        }
    }

    @Test
    void setLocalityIsAccepted() throws Exception {
        try (Swtpm tpm = Swtpm.start(); SwtpmTransport transport = open(tpm)) {
            transport.control().setLocality(1);
            assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));
            assertThatThrownBy(() -> transport.control().setLocality(5)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shutdownEndsTheSwtpmProcess() throws Exception {
        try (Swtpm tpm = Swtpm.start(); SwtpmTransport transport = open(tpm)) {
            ProcessHandle process = ProcessHandle.of(tpm.pid()).orElseThrow();

            transport.control().shutdown();

            assertThat(process.onExit()).succeedsWithin(Duration.ofSeconds(5));
            assertThatThrownBy(() -> transport.transmit(Tpm2.getRandom8())).isInstanceOf(TransportException.class);
        }
    }

    @Test
    void aMissingSwtpmGetsOneActionableSentence() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        assertThatThrownBy(() -> Tcti.parse("swtpm:host=127.0.0.1,port=" + port).open())
                .isInstanceOf(TransportException.class)
                .hasMessage("cannot reach swtpm at 127.0.0.1:" + port + ": connection refused. " + SwtpmTransport.HINT);
    }

    @Test
    void aMissingUnixSocketNamesThePath(@TempDir Path dir) {
        Path socket = dir.resolve("swtpm.sock");
        assertThatThrownBy(() -> Tcti.swtpmUnix(socket).open())
                .isInstanceOf(TransportException.class)
                .hasMessageStartingWith("cannot reach swtpm at " + socket + ": ")
                .hasMessageEndingWith(SwtpmTransport.HINT);
    }

    @Test
    void aKilledSwtpmFailsTheNextCommandInsteadOfHanging() throws Exception {
        try (Swtpm tpm = Swtpm.start(); SwtpmTransport transport = open(tpm)) {
            assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));

            tpm.kill();

            assertThatThrownBy(() -> transport.transmit(Tpm2.getRandom8()))
                    .isInstanceOf(TransportException.class)
                    .hasMessageContaining("swtpm at 127.0.0.1:" + tpm.port())
                    .hasMessageContaining("exit or crash");
        }
    }
}
