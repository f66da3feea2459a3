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
import java.time.Duration;

/**
 * One stream socket (TCP or unix) with a deadline on every read and write, shared by the socket backends.
 * A non-blocking channel with a selector is the only way Java 17 offers a read timeout on unix sockets.
 */
final class Wire implements AutoCloseable {

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private final String peer;
    private volatile Duration timeout;

    private Wire(SocketChannel channel, String peer, Duration timeout) throws IOException {
        this.channel = channel;
        this.peer = peer;
        this.timeout = timeout;
        this.selector = Selector.open();
        channel.configureBlocking(false);
        this.key = channel.register(selector, 0);
    }

    /**
     * Connects to {@code address}. {@code what} names the server ("swtpm") and {@code hint} is the sentence
     * that tells a user how to start it when nothing listens there.
     */
    static Wire connect(SocketAddress address, String what, String hint, Duration timeout) throws TransportException {
        String peer = what + " at " + describe(address);
        SocketChannel channel = null;
        try {
            if (address instanceof UnixDomainSocketAddress) {
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(address);
            } else {
                channel = SocketChannel.open();
                // Without it every small command waits ~40 ms for Nagle's algorithm (tpm_server shows this).
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            }
            return new Wire(channel, peer, timeout);
        } catch (IOException e) {
            closeQuietly(channel);
            String reason = e instanceof ConnectException || String.valueOf(e.getMessage()).contains("refused")
                    ? "connection refused" : String.valueOf(e.getMessage()).toLowerCase();
            throw new TransportException("cannot reach " + peer + ": " + reason + ". " + hint, e);
        }
    }

    static String describe(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) address;
            return inet.getHostString() + ":" + inet.getPort();
        }
        return address instanceof UnixDomainSocketAddress ? ((UnixDomainSocketAddress) address).getPath().toString()
                : String.valueOf(address);
    }

    String peer() {
        return peer;
    }

    void timeout(Duration timeout) {
        this.timeout = timeout;
    }

    void write(ByteBuffer buffer) throws TransportException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (buffer.hasRemaining()) {
                if (channel.write(buffer) == 0) {
                    await(SelectionKey.OP_WRITE, deadline, "sending a command");
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
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer);
                if (n < 0) {
                    return false;
                }
                if (n == 0) {
                    await(SelectionKey.OP_READ, deadline, "waiting for the response");
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
            throw new TransportException(peer + " closed the connection " + eofMessage);
        }
        return b.getInt(0);
    }

    private void await(int op, long deadline, String doing) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new TransportException("no progress from " + peer + " within "
                    + (timeout.toMillis() < 1000 ? timeout.toMillis() + " ms" : timeout.toSeconds() + " s") + " while "
                    + doing + "; it may be hung. If the TPM is just slow (RSA key generation can take a minute on"
                    + " a real TPM), raise the transport's read timeout.");
        }
        key.interestOps(op);
        selector.select(Math.max(1, left / 1_000_000));
        selector.selectedKeys().clear();
    }

    private TransportException lost(IOException e) {
        return new TransportException("lost the connection to " + peer + ": " + e.getMessage()
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
