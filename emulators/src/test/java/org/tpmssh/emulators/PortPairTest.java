package org.tpmssh.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The data and control port pairs the emulators are started on; real sockets on loopback. */
class PortPairTest {

    @Test
    @DisplayName("a port pair comes from below the ephemeral range and both ports take a listener")
    void pairsBelowTheEphemeralRangeAreFree() throws Exception {
        int low = EmulatorProcess.ephemeralLow();
        for (int i = 0; i < 20; i++) {
            int port = EmulatorProcess.freePortPair();
            assertThat(port).isBetween(EmulatorProcess.PAIRS_FROM, low - 2);
            InetAddress loopback = InetAddress.getByName(EmulatorProcess.LOOPBACK);
            try (ServerSocket data = new ServerSocket(port, 1, loopback);
                    ServerSocket ctrl = new ServerSocket(port + 1, 1, loopback)) {
                assertThat(ctrl.getLocalPort()).isEqualTo(data.getLocalPort() + 1);
            }
        }
    }

    @Test
    @DisplayName("why not inside it: a client's TIME_WAIT port refuses a listener, SO_REUSEADDR or not")
    void aClientsTimeWaitBlocksItsPort() throws Exception {
        InetAddress loopback = InetAddress.getByName(EmulatorProcess.LOOPBACK);
        int clientPort;
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            Socket client = new Socket(loopback, server.getLocalPort());
            clientPort = client.getLocalPort();
            try (Socket accepted = server.accept()) {
                client.close(); // the client closes first, so its port stays in TIME_WAIT
                accepted.getInputStream().read();
            }
        }
        assertThat(clientPort).as("connect() takes its local port from the ephemeral range")
                .isGreaterThanOrEqualTo(EmulatorProcess.ephemeralLow());
        ServerSocket listener = new ServerSocket();
        listener.setReuseAddress(true);
        try (listener) {
            listener.bind(new java.net.InetSocketAddress(loopback, clientPort));
            throw new AssertionError("bound " + clientPort + " over a client's TIME_WAIT socket");
        } catch (java.net.BindException expected) {
            assertThat(expected).hasMessageContaining("in use");
        }
    }
}
