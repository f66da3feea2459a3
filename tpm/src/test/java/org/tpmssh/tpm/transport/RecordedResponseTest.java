package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Broken response frames, from a fake TPM: a loopback ServerSocket that reads one command and replays
 * recorded bytes, then hangs up (or stays silent), so each framing failure is reproducible.
 */
class RecordedResponseTest {

    /** A real swtpm GetRandom(8) response. */
    private static final String GET_RANDOM = "80010000001400000000" + "0008" + "0102030405060708";

    private ServerSocket server;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stopFakeTpm() throws IOException {
        release.countDown();
        if (server != null) {
            server.close();
        }
    }

    /** Serves one connection: reads a 12-byte command, writes {@code hex}, and hangs up unless {@code stayOpen}. */
    private SwtpmTransport fakeTpm(String hex, boolean stayOpen) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        CompletableFuture.runAsync(() -> {
            try (Socket client = server.accept(); InputStream in = client.getInputStream()) {
                in.readNBytes(12);
                client.getOutputStream().write(HexFormat.of().parseHex(hex));
                client.getOutputStream().flush();
                if (stayOpen) {
                    release.await(10, TimeUnit.SECONDS);
                }
            } catch (IOException | InterruptedException ignored) {
                // The test decides what it saw; a fake TPM has nothing to report.
            }
        });
        return SwtpmTransport.connect("127.0.0.1", server.getLocalPort(), TransportTimeouts.of(Duration.ofMillis(300)));
    }

    private TransportException failure(String hex, boolean stayOpen) throws IOException {
        try (SwtpmTransport transport = fakeTpm(hex, stayOpen)) {
            return catchTransport(() -> transport.transmit(Tpm2.getRandom8()));
        }
    }

    @Test
    void aWholeResponseComesBackAsIs() throws IOException {
        try (SwtpmTransport transport = fakeTpm(GET_RANDOM, false)) {
            assertThat(transport.transmit(Tpm2.getRandom8())).isEqualTo(HexFormat.of().parseHex(GET_RANDOM));
        }
    }

    @Test
    void eofInTheBodyIsATruncatedResponse() throws IOException {
        assertThat(failure(GET_RANDOM.substring(0, 30), false))
                .hasMessage("the TPM's response was truncated: header says 20 bytes, got 15");
    }

    @Test
    void eofInTheHeaderIsATruncatedResponse() throws IOException {
        assertThat(failure("800100", false))
                .hasMessage("the TPM's response was truncated: got 3 of the 10 header bytes before the connection"
                        + " closed");
    }

    @Test
    void aSizeSmallerThanTheHeaderIsRejected() throws IOException {
        assertThat(failure("80010000000900000000", true))
                .hasMessageStartingWith("the TPM's response header says 9 bytes, less than the 10-byte header");
    }

    @Test
    void aSizeLargerThanWhatWasSentEndsInEof() throws IOException {
        assertThat(failure("80010000010000000000" + "0008", false))
                .hasMessage("the TPM's response was truncated: header says 256 bytes, got 12");
    }

    @Test
    void anOversizedSizeIsRejectedWithoutReadingIt() throws IOException {
        assertThat(failure("8001" + "7fffffff" + "00000000", true))
                .hasMessageStartingWith("the TPM's response header says 2147483647 bytes, more than the 65536-byte");
    }

    @Test
    void aSilentTpmTimesOutInsteadOfHanging() throws IOException {
        long start = System.nanoTime();
        assertThat(failure("80010000", true)).hasMessageContaining("swtpm at 127.0.0.1:")
                .hasMessageContaining("gave no answer within 300 ms").hasMessageEndingWith("raise TPMSSH_TPM_TIMEOUT");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aHangUpWithoutAnswerSaysSo() throws IOException {
        assertThat(failure("", false)).hasMessageContaining("closed the connection without answering");
    }

    @Test
    void aShortDeviceReadIsATruncatedResponse() {
        byte[] buffer = HexFormat.of().parseHex(GET_RANDOM);
        assertThatThrownBy(() -> ResponseFrame.check(buffer, 14)).isInstanceOf(TransportException.class)
                .hasMessage("the TPM's response was truncated: header says 20 bytes, got 14");
        assertThat(catchTransport(() -> ResponseFrame.check(buffer, 20))).isNull();
    }

    interface Call {
        Object run() throws TransportException;
    }

    private static TransportException catchTransport(Call call) {
        try {
            call.run();
            return null;
        } catch (TransportException e) {
            return e;
        }
    }
}
