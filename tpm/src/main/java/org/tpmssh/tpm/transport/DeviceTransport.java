package org.tpmssh.tpm.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Talks to a kernel TPM character device: one write carries a command, one read returns its whole response.
 * Prefer {@code /dev/tpmrm0}, where the kernel's resource manager swaps objects and sessions for us.
 */
public final class DeviceTransport implements TpmTransport {

    public static final Path DEFAULT_PATH = Path.of("/dev/tpmrm0");

    private final FileChannel channel;
    private final Path path;

    private DeviceTransport(FileChannel channel, Path path) {
        this.channel = channel;
        this.path = path;
    }

    public static DeviceTransport open(Path path) throws TransportException {
        try {
            return new DeviceTransport(FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE),
                    path);
        } catch (AccessDeniedException e) {
            throw new TransportException("cannot open " + path + ": permission denied. Add your user to group `tss`"
                    + " (sudo usermod -aG tss $USER) and log in again", e);
        } catch (NoSuchFileException e) {
            throw new TransportException("cannot open " + path + ": no such device. Is there a TPM with its driver"
                    + " loaded (ls /dev/tpm*)? Without one, use swtpm with TPMSSH_TCTI=swtpm:host=127.0.0.1,port=2321",
                    e);
        } catch (IOException e) {
            throw new TransportException("cannot open " + path + ": " + e.getMessage()
                    + ". If /dev/tpm0 is busy, another process (tpm2-abrmd?) holds it; use /dev/tpmrm0", e);
        }
    }

    /** Blocks until the TPM answers: the kernel driver gives no way to time out a read, and has its own limits. */
    @Override
    public synchronized byte[] transmit(byte[] command) throws TransportException {
        try {
            channel.write(ByteBuffer.wrap(command));
            ByteBuffer response = ByteBuffer.allocate(ResponseFrame.MAX_SIZE);
            int n = channel.read(response);
            return ResponseFrame.check(response.array(), Math.max(n, 0));
        } catch (TransportException e) {
            throw e;
        } catch (IOException e) {
            throw new TransportException("the TPM device " + path + " failed: " + e.getMessage()
                    + ". Check dmesg for TPM driver errors", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to recover: the descriptor is released either way.
        }
    }
}
