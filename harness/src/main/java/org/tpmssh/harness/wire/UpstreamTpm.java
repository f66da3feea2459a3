package org.tpmssh.harness.wire;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.tpmssh.harness.wire.TpmWireProxy.Protocol;

/**
 * The proxy's one connection to the TPM, which the clients' commands share in turn; a TPM that does not answer
 * within its timeout has the connection closed under it, so no wait is unbounded. Callers serialise transmits.
 */
final class UpstreamTpm {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final Protocol protocol;
    private final SocketAddress address;
    private final Duration timeout;
    private final BooleanSupplier proxyClosed;
    private final ScheduledThreadPoolExecutor watchdog;
    private volatile SocketChannel channel;

    UpstreamTpm(Protocol protocol, SocketAddress address, Duration timeout, BooleanSupplier proxyClosed) {
        this.protocol = protocol;
        this.address = address;
        this.timeout = timeout;
        this.proxyClosed = proxyClosed;
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tpm-wire-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.setRemoveOnCancelPolicy(true);
    }

    /** Sends one command to the TPM and reads its response, connecting first if need be. */
    byte[] transmit(byte[] command) throws IOException {
        if (proxyClosed.getAsBoolean()) {
            throw new ClientFraming.ProxyClosedException();
        }
        SocketChannel ch = channel();
        ScheduledFuture<?> guard = watchdog.schedule(() -> closeQuietly(ch), timeout.toNanos(), TimeUnit.NANOSECONDS);
        try {
            if (protocol == Protocol.SWTPM) {
                writeAll(ch, ByteBuffer.wrap(command));
                ByteBuffer header = readExactly(ch, Frames.HEADER);
                int size = header.getInt(2);
                if (size < Frames.HEADER || size > Frames.MAX_FRAME) {
                    throw new IOException("the TPM's response header says " + Integer.toUnsignedString(size)
                            + " bytes: not a TPM response");
                }
                ByteBuffer response = ByteBuffer.allocate(size).put(header.flip());
                response.put(readExactly(ch, size - Frames.HEADER).flip());
                return response.array();
            }
            writeAll(ch, ByteBuffer.allocate(9 + command.length).putInt(ClientFraming.MSSIM_SEND_COMMAND)
                    .put((byte) 0).putInt(command.length).put(command).flip());
            int size = readExactly(ch, 4).getInt(0);
            if (size < Frames.HEADER || size > Frames.MAX_FRAME) {
                throw new IOException("the simulator framed a response of " + Integer.toUnsignedString(size)
                        + " bytes: not a TPM response");
            }
            byte[] response = readExactly(ch, size).array();
            readExactly(ch, 4); // acknowledgement
            return response;
        } catch (IOException e) {
            if (guard.isDone() && !guard.isCancelled()) {
                throw new IOException("the TPM did not answer within " + timeout.toSeconds() + " s", e);
            }
            throw e;
        } finally {
            guard.cancel(false);
        }
    }

    /** Forgets the connection after a failed exchange; the next command connects again. */
    void drop() {
        SocketChannel ch = channel;
        channel = null;
        closeQuietly(ch);
    }

    /** Tells the simulator this client is done (TPM_SESSION_END), best effort; swtpm needs no such message. */
    void endSession() {
        SocketChannel ch = channel;
        if (protocol == Protocol.MSSIM && ch != null && ch.isOpen()) {
            try {
                writeAll(ch, ByteBuffer.allocate(4).putInt(ClientFraming.MSSIM_SESSION_END).flip());
            } catch (IOException e) {
                // The simulator is gone already: nothing to end.
            }
        }
    }

    /** Closes the connection (which ends a transmit in progress) and stops the watchdog within {@code bound}. */
    void close(Duration bound) {
        closeQuietly(channel);
        watchdog.shutdownNow();
        try {
            watchdog.awaitTermination(Math.max(1, bound.toNanos()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private SocketChannel channel() throws IOException {
        SocketChannel ch = channel;
        if (ch == null || !ch.isOpen()) {
            ch = connect(address);
            channel = ch;
            if (proxyClosed.getAsBoolean()) { // close() may have run while we connected
                closeQuietly(ch);
                throw new ClientFraming.ProxyClosedException();
            }
        }
        return ch;
    }

    /** A connection to a TPM's socket (TCP or unix), bounded by the connect timeout. */
    static SocketChannel connect(SocketAddress address) throws IOException {
        SocketChannel ch = null;
        try {
            if (address instanceof UnixDomainSocketAddress) {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(address);
            } else {
                ch = SocketChannel.open();
                ch.socket().setTcpNoDelay(true);
                ch.socket().connect(address, (int) CONNECT_TIMEOUT.toMillis());
            }
            return ch;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IOException("cannot reach the TPM at " + address + ": " + e.getMessage(), e);
        }
    }

    static void writeAll(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static ByteBuffer readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("the TPM closed the connection after " + b.position() + " of " + n + " bytes");
            }
        }
        return b;
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Best effort: the other side may be gone already, which is what closing wanted.
            }
        }
    }
}
