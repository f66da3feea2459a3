package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.tpmssh.tpm.transport.Tpm2.assertEightRandomBytes;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.TpmDevice;

/**
 * DeviceTransport: opening errors everywhere, never a byte written to what is not a TPM character device, and
 * GetRandom on a real TPM device where there is one.
 */
class DeviceTransportTest {

    private static final String PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n";

    @Test
    void aMissingDeviceSaysWhatToDo(@TempDir Path dir) {
        Path missing = dir.resolve("tpmrm0");
        assertThatThrownBy(() -> Tcti.parse("device:" + missing).open())
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.NO_DEVICE))
                .hasMessageStartingWith("cannot open " + missing + ": no such device. Is there a TPM");
    }

    /** The typo that used to overwrite an SSH key's first 22 bytes with a TPM command. */
    @Test
    void aRegularFileIsRefusedAndLeftByteForByte(@TempDir Path dir) throws IOException {
        Path key = Files.writeString(dir.resolve("id_ed25519"), PRIVATE_KEY);
        byte[] before = Files.readAllBytes(key);
        FileTime modified = Files.getLastModifiedTime(key);

        assertNotATpm("device:" + key, "refusing to use " + key + " as a TPM: it is a regular file, not a TPM"
                + " character device such as /dev/tpmrm0, and nothing was written to it");

        assertThat(Files.readAllBytes(key)).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(key)).isEqualTo(modified);
    }

    @Test
    void aLinkToAFileIsRefusedAndNamesBoth(@TempDir Path dir) throws IOException {
        Path key = Files.writeString(dir.resolve("id_rsa"), PRIVATE_KEY);
        Path link = Files.createSymbolicLink(dir.resolve("tpm0"), key);
        assertNotATpm("device:" + link, "refusing to use " + link + " (a link to " + key + ") as a TPM: it is a"
                + " regular file");
        assertThat(Files.readString(key)).isEqualTo(PRIVATE_KEY);
    }

    @Test
    void aDirectoryIsRefused(@TempDir Path dir) {
        assertNotATpm("device:" + dir, "refusing to use " + dir + " as a TPM: it is a directory");
    }

    @Test
    void aFifoIsRefusedWithoutBlocking(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        assertNotATpm("device:" + fifo, "refusing to use " + fifo + " as a TPM: it is a FIFO");
    }

    @Test
    void aCharacterDeviceOfAnotherKernelClassIsRefused() {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(Path.of("/sys/dev/char/1:3")), "no sysfs here to tell /dev/null's class");
        assertNotATpm("device:/dev/null", "refusing to use " + devNull + " as a TPM: it is a character device of"
                + " the kernel's \"mem\" class, not a TPM character device");
    }

    /**
     * The kernel gives no read timeout on a TPM device, so a watchdog closes it at the deadline. Fakes the
     * device with a pipe that takes the command and never answers, as a hung TPM would.
     */
    @Test
    void aDeviceThatNeverAnswersTimesOut() throws Exception {
        Pipe toTpm = Pipe.open();
        Pipe fromTpm = Pipe.open();
        ByteChannel hungTpm = new ByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                return fromTpm.source().read(dst);
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                return toTpm.sink().write(src);
            }

            @Override
            public boolean isOpen() {
                return fromTpm.source().isOpen();
            }

            @Override
            public void close() throws IOException {
                fromTpm.source().close();
                toTpm.sink().close();
            }
        };
        Path path = Path.of("/dev/tpmrm0");
        try (DeviceTransport transport = new DeviceTransport(hungTpm, path,
                TransportTimeouts.of(Duration.ofMillis(400)))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> transport.transmit(Tpm2.getRandom8()))
                    .isInstanceOfSatisfying(TransportException.class,
                            e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.TIMEOUT))
                    .hasMessage("the TPM device /dev/tpmrm0 gave no answer within 400 ms: the TPM is hung or far"
                            + " slower than any real chip; check dmesg, or raise TPMSSH_TPM_TIMEOUT");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    private static void assertNotATpm(String tcti, String message) {
        assertThatThrownBy(() -> Tcti.parse(tcti).open())
                .isInstanceOfSatisfying(TransportException.class,
                        e -> assertThat(e.reason()).isEqualTo(TransportException.Reason.NOT_A_TPM))
                .hasMessageStartingWith(message);
    }

    @Test
    void getRandomOnTheRealDevice() throws Exception {
        TpmDevice.Probe probe = TpmDevice.probe();
        assumeTrue(probe.device().isPresent(), probe.reason());
        // GetRandom changes no TPM state, so it is safe on the machine's own TPM.
        try (TpmTransport transport = Tcti.parse(probe.device().orElseThrow().tcti()).open()) {
            assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));
        }
    }
}
