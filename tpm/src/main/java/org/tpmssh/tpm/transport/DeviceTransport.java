package org.tpmssh.tpm.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tpmssh.tpm.transport.TransportException.Reason;

/**
 * Talks to a kernel TPM character device: one write carries a command, one read returns its whole response.
 * Prefer {@code /dev/tpmrm0}, where the kernel's resource manager swaps objects and sessions for us.
 */
public final class DeviceTransport implements TpmTransport {

    public static final Path DEFAULT_PATH = Path.of("/dev/tpmrm0");

    /** Closes a channel whose command overran its deadline: the kernel offers no read timeout on a TPM device. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "tpm-device-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    private final ByteChannel channel;
    private final Path path;
    private final TransportTimeouts timeouts;

    /** Over an open channel; a test passes one that stands in for the kernel's device. */
    DeviceTransport(ByteChannel channel, Path path, TransportTimeouts timeouts) {
        this.channel = channel;
        this.path = path;
        this.timeouts = timeouts;
    }

    /** Opens {@code path} after checking that it is a TPM character device; nothing else is ever written to. */
    public static DeviceTransport open(Path path, TransportTimeouts timeouts) throws TransportException {
        Path device = TpmDevicePath.require(path);
        try {
            return new DeviceTransport(FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS), path, timeouts);
        } catch (AccessDeniedException e) {
            throw TpmDevicePath.denied(path, e);
        } catch (IOException e) {
            throw new TransportException(String.valueOf(e.getMessage()).contains("busy") ? Reason.DENIED
                    : Reason.OTHER, "cannot open " + path + ": " + e.getMessage() + ". If /dev/tpm0 is busy, another"
                    + " process (tpm2-abrmd?) holds it; use /dev/tpmrm0", e);
        }
    }

    /** Sends the command and reads the response, closing the device if the pair overruns the answer deadline. */
    @Override
    public synchronized byte[] transmit(byte[] command) throws TransportException {
        AtomicBoolean overran = new AtomicBoolean();
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
            overran.set(true);
            close();
        }, timeouts.answer().toMillis(), TimeUnit.MILLISECONDS);
        try {
            channel.write(ByteBuffer.wrap(command));
            ByteBuffer response = ByteBuffer.allocate(ResponseFrame.MAX_SIZE);
            int n = channel.read(response);
            return ResponseFrame.check(response.array(), Math.max(n, 0));
        } catch (TransportException e) {
            throw e;
        } catch (ClosedChannelException e) {
            if (overran.get()) {
                throw new TransportException(Reason.TIMEOUT, "the TPM device " + path + " gave no answer within "
                        + TransportTimeouts.describe(timeouts.answer()) + ": the TPM is hung or far slower than any"
                        + " real chip; check dmesg, or raise " + TransportTimeouts.ENVIRONMENT_VARIABLE, e);
            }
            throw new TransportException(Reason.LOST, "the TPM device " + path + " was closed", e);
        } catch (IOException e) {
            throw new TransportException(Reason.LOST, "the TPM device " + path + " failed: " + e.getMessage()
                    + ". Check dmesg for TPM driver errors", e);
        } finally {
            watchdog.cancel(false);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to recover: the descriptor is released either way.
        }
    }
}
