package org.tpmssh.tpm.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.time.Duration;
import org.tpmssh.tpm.transport.TransportException.Reason;

/**
 * One stream socket (TCP or unix) on which every connect, read and write has a deadline, shared by the socket
 * backends. A non-blocking channel with a selector is the only way Java 17 offers a timeout on unix sockets.
 */
final class Wire implements AutoCloseable {

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final String peer;
    private volatile Duration timeout;
    private long deadline;

    private Wire(SocketChannel channel, Selector selector, String peer, Duration timeout) throws IOException {
        this.channel = channel;
        this.peer = peer;
        this.timeout = timeout;
        this.selector = selector;
        this.key = channel.keyFor(selector) != null ? channel.keyFor(selector) : channel.register(selector, 0);
        beginExchange();
    }

    /**
     * Connects to {@code address} within {@code timeouts.connect()}; reads and writes then wait at most
     * {@code timeouts.answer()}. {@code what} names the server ("swtpm") and {@code hint} is the sentence that
     * tells a user how to start it when nothing listens there.
     */
    static Wire connect(SocketAddress address, String what, String hint, TransportTimeouts timeouts)
            throws TransportException {
        String peer = what + " at " + describe(address);
        if (address instanceof InetSocketAddress inet && inet.isUnresolved()) {
            throw new TransportException(Reason.UNKNOWN_HOST, "cannot reach " + peer + ": \"" + inet.getHostString()
                    + "\" is neither an IP address nor a host name that resolves; check the TCTI's host");
        }
        if (address instanceof UnixDomainSocketAddress unix && !Files.exists(unix.getPath())) {
            throw new TransportException(Reason.REFUSED, "cannot reach " + peer + ": there is no socket at that"
                    + " path. " + hint);
        }
        SocketChannel channel = null;
        Selector selector = null;
        try {
            channel = address instanceof UnixDomainSocketAddress ? SocketChannel.open(StandardProtocolFamily.UNIX)
                    : SocketChannel.open();
            if (address instanceof InetSocketAddress) {
                // Without it every small command waits ~40 ms for Nagle's algorithm (tpm_server shows this).
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            channel.configureBlocking(false);
            selector = Selector.open();
            long deadline = System.nanoTime() + timeouts.connect().toNanos();
            if (!channel.connect(address)) {
                SelectionKey key = channel.register(selector, SelectionKey.OP_CONNECT);
                while (!channel.finishConnect()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new TransportException(Reason.TIMEOUT, "cannot reach " + peer + ": no connection within "
                                + TransportTimeouts.describe(timeouts.connect()) + "; is the host up and the port"
                                + " not filtered? " + hint);
                    }
                    selector.select(Math.max(1, left / 1_000_000));
                    selector.selectedKeys().clear();
                }
                key.interestOps(0);
            }
            return new Wire(channel, selector, peer, timeouts.answer());
        } catch (TransportException e) {
            closeQuietly(selector);
            closeQuietly(channel);
            throw e;
        } catch (IOException | UnresolvedAddressException e) {
            closeQuietly(selector);
            closeQuietly(channel);
            String text = String.valueOf(e.getMessage());
            if (e instanceof ConnectException || text.contains("refused") || text.contains("No such file")) {
                throw new TransportException(Reason.REFUSED, "cannot reach " + peer + ": connection refused. " + hint,
                        e);
            }
            throw new TransportException(Reason.OTHER, "cannot reach " + peer + ": " + text.toLowerCase() + ". "
                    + hint, e);
        }
    }

    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getHostString() + ":" + inet.getPort();
        }
        return address instanceof UnixDomainSocketAddress unix ? unix.getPath().toString() : String.valueOf(address);
    }

    String peer() {
        return peer;
    }

    Duration timeout() {
        return timeout;
    }

    void timeout(Duration timeout) {
        this.timeout = timeout;
    }

    /** Starts the clock for one command and its response: every read and write until the next call shares it. */
    void beginExchange() {
        deadline = System.nanoTime() + timeout.toNanos();
    }

    void write(ByteBuffer buffer) throws TransportException {
        try {
            while (buffer.hasRemaining()) {
                if (channel.write(buffer) == 0) {
                    await(SelectionKey.OP_WRITE, "sending a command");
                }
            }
        } catch (TransportException e) {
            throw e;
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /** Reads until {@code buffer} is full; returns false on EOF, leaving what arrived in the buffer. */
    boolean fill(ByteBuffer buffer) throws TransportException {
        try {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer);
                if (n < 0) {
                    return false;
                }
                if (n == 0) {
                    await(SelectionKey.OP_READ, "waiting for the response");
                }
            }
            return true;
        } catch (TransportException e) {
            throw e;
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /** Reads one big-endian u32, failing with {@code eofMessage} when the peer hangs up first. */
    int readInt(String eofMessage) throws TransportException {
        ByteBuffer b = ByteBuffer.allocate(4);
        if (!fill(b)) {
            throw new TransportException(Reason.LOST, peer + " closed the connection " + eofMessage);
        }
        return b.getInt(0);
    }

    /** Waits up to {@code wait} (never past the exchange's deadline) for something to read, or EOF. */
    boolean awaitReadable(Duration wait) throws TransportException {
        long until = Math.min(deadline, System.nanoTime() + wait.toNanos());
        try {
            key.interestOps(SelectionKey.OP_READ);
            while (true) {
                long left = until - System.nanoTime();
                int ready = left <= 0 ? selector.selectNow() : selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                if (ready > 0) {
                    return true;
                }
                if (left <= 0) {
                    return false;
                }
            }
        } catch (IOException e) {
            throw lost(e);
        }
    }

    /** What is left of the current exchange's deadline. */
    Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private void await(int op, String doing) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new TransportException(Reason.TIMEOUT, peer + " gave no answer within "
                    + TransportTimeouts.describe(timeout) + " while " + doing + ": it is frozen or hung (a stopped"
                    + " process?) or far slower than any TPM; if it is only slow (RSA key generation takes seconds"
                    + " on a real chip), raise " + TransportTimeouts.ENVIRONMENT_VARIABLE);
        }
        key.interestOps(op);
        selector.select(Math.max(1, left / 1_000_000));
        selector.selectedKeys().clear();
    }

    private TransportException lost(IOException e) {
        return new TransportException(Reason.LOST, "lost the connection to " + peer + ": " + e.getMessage()
                + ". Did the TPM process exit or crash?", e);
    }

    @Override
    public void close() {
        closeQuietly(selector);
        closeQuietly(channel);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Closing is best effort: the peer may already be gone, which is what we wanted.
            }
        }
    }
}
