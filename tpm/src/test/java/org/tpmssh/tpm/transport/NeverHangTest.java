package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.commands.GetRandom;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.TransportException.Reason;

/**
 * A busy, frozen or absent swtpm ends every wait within its bound, in one sentence and a typed reason. All
 * against a real swtpm: held by a second connection, stopped with SIGSTOP, or not listening at all.
 */
class NeverHangTest {

    /** Short bounds, so the frozen cases take a second rather than the default minute. */
    private static final TransportTimeouts SHORT = new TransportTimeouts(Duration.ofSeconds(2),
            Duration.ofMillis(500), Duration.ofMillis(1500));

    @Test
    void aSwtpmHeldByAnotherClientIsReportedAsBusyWithinTheDefaultBound() throws Exception {
        try (Swtpm swtpm = Swtpm.start(); TpmTransport holder = Tcti.parse(swtpm.tcti()).connect(SHORT)) {
            Tpm2.assertEightRandomBytes(holder.transmit(Tpm2.getRandom8())); // swtpm now serves the holder

            long start = System.nanoTime();
            try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open(TransportTimeouts.DEFAULT))) {
                assertThatThrownBy(() -> new GetRandom(8).execute(tpm))
                        .isInstanceOfSatisfying(TpmTransportException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.BUSY))
                        .hasMessage("swtpm at 127.0.0.1:" + swtpm.port() + " is serving another client: swtpm"
                                + " serves one connection at a time and another process holds it (is `tpmssh agent`"
                                + " running?); to share it, put tpm2-abrmd in front (`tpm2-abrmd --session"
                                + " --tcti=swtpm:host=127.0.0.1,port=" + swtpm.port() + "`) and use --tcti"
                                + " tabrmd:bus_type=session");
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                System.out.printf("busy swtpm detected after %d ms (default first-answer bound %d ms)%n",
                        took.toMillis(), TransportTimeouts.DEFAULT.firstAnswer().toMillis());
                assertThat(took).isLessThan(TransportTimeouts.DEFAULT.answer());

                // Once the other client lets go, the same connection object is served again.
                holder.close();
                assertThat(new GetRandom(8).execute(tpm)).hasSize(8);
            }
        }
    }

    @Test
    void aSwtpmOnUnixSocketsHeldByAnotherClientIsBusyToo() throws Exception {
        try (Swtpm swtpm = Swtpm.builder().unixSocket(true).start();
                TpmTransport holder = Tcti.parse(swtpm.tcti()).connect(SHORT)) {
            Tpm2.assertEightRandomBytes(holder.transmit(Tpm2.getRandom8()));
            try (TpmTransport second = Tcti.parse(swtpm.tcti()).connect(SHORT)) {
                assertThatThrownBy(() -> second.transmit(Tpm2.getRandom8()))
                        .isInstanceOfSatisfying(TransportException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.BUSY))
                        .hasMessageContaining("--tcti=swtpm:path=" + swtpm.socketPath());
            }
        }
    }

    /**
     * swtpm listens with a backlog of one: clients that gave up (or still wait) fill the kernel's queue, and a new
     * connect is then not even accepted. That is still a busy swtpm, not an unreachable one.
     */
    @ParameterizedTest(name = "unix socket: {0}")
    @ValueSource(booleans = {false, true})
    void aSwtpmWhoseQueueIsFullOfWaitingClientsIsBusyToo(boolean unix) throws Exception {
        try (Swtpm swtpm = Swtpm.builder().unixSocket(unix).start();
                TpmTransport holder = Tcti.parse(swtpm.tcti()).connect(SHORT)) {
            Tpm2.assertEightRandomBytes(holder.transmit(Tpm2.getRandom8()));
            List<SocketChannel> waiting = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    SocketChannel c = unix ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
                    waiting.add(c);
                    c.configureBlocking(false);
                    try {
                        c.connect(unix ? UnixDomainSocketAddress.of(swtpm.socketPath())
                                : new InetSocketAddress("127.0.0.1", swtpm.port()));
                    } catch (IOException full) {
                        // EAGAIN on a unix socket whose queue is full: what we wanted
                    }
                }
                long start = System.nanoTime();
                assertThatThrownBy(() -> Tcti.parse(swtpm.tcti()).open(TransportTimeouts.DEFAULT))
                        .isInstanceOfSatisfying(TransportException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.BUSY))
                        .hasMessageContaining("is serving another client: swtpm serves one connection at a time");
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                System.out.printf("busy swtpm with a full queue (%s) detected after %d ms%n", unix ? "unix" : "tcp",
                        took.toMillis());
                assertThat(took).isLessThan(TransportTimeouts.DEFAULT.connect());
            } finally {
                for (SocketChannel c : waiting) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aFrozenSwtpmTimesOutOnAnOpenConnection() throws Exception {
        try (Swtpm swtpm = Swtpm.start(); TpmTransport transport = Tcti.parse(swtpm.tcti()).open(SHORT)) {
            Tpm2.assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));
            signal("STOP", swtpm);
            try {
                assertTimesOut(() -> transport.transmit(Tpm2.getRandom8()), swtpm);
            } finally {
                signal("CONT", swtpm);
            }
            // Thawed, it is served again on the next request, over a new connection.
            Tpm2.assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));
            assertThat(transport.generation()).isEqualTo(2);
        }
    }

    @Test
    void aFrozenSwtpmIsNotMistakenForABusyOne() throws Exception {
        try (Swtpm swtpm = Swtpm.start()) {
            signal("STOP", swtpm);
            try {
                // The kernel still accepts the connection; neither the data nor the control channel answers.
                try (TpmTransport transport = Tcti.parse(swtpm.tcti()).connect(SHORT)) {
                    assertTimesOut(() -> transport.transmit(Tpm2.getRandom8()), swtpm);
                }
            } finally {
                signal("CONT", swtpm);
            }
        }
    }

    @Test
    void nothingListeningIsRefusedAtOnce() throws Exception {
        int port;
        try (Swtpm swtpm = Swtpm.start()) {
            port = swtpm.port();
        }
        long start = System.nanoTime();
        assertThatThrownBy(() -> Tcti.parse("swtpm:host=127.0.0.1,port=" + port).open())
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.REFUSED))
                .hasMessage("cannot reach swtpm at 127.0.0.1:" + port + ": connection refused. " + SwtpmTransport.HINT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TransportTimeouts.DEFAULT.connect());
    }

    @Test
    void anUnresolvableHostGetsASentenceNotNull() {
        assertThatThrownBy(() -> Tcti.parse("mssim:host=no-such-host.invalid,port=2321").open(SHORT))
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_HOST))
                .hasMessage("cannot reach tpm_server at no-such-host.invalid:2321: \"no-such-host.invalid\" is"
                        + " neither an IP address nor a host name that resolves; check the TCTI's host");
    }

    private static void assertTimesOut(ThrowingCall call, Swtpm swtpm) {
        long start = System.nanoTime();
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT))
                .hasMessage("swtpm at 127.0.0.1:" + swtpm.port() + " gave no answer within 1500 ms while waiting for"
                        + " the response: it is frozen or hung (a stopped process?) or far slower than any TPM; if it"
                        + " is only slow (RSA key generation takes seconds on a real chip), raise TPMSSH_TPM_TIMEOUT");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("frozen swtpm: timeout after %d ms (bound 1500 ms)%n", took.toMillis());
        assertThat(took).isLessThan(Duration.ofSeconds(5));
    }

    interface ThrowingCall {
        void run() throws Exception;
    }

    private static void signal(String signal, Swtpm swtpm) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(swtpm.pid())).inheritIO().start();
        assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }
}
