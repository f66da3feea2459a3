package org.tpmssh.stack.agent;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * A deliberately unchecked agent client for tests: it sends any bytes, well-formed or not, and
 * reads with a deadline so a misbehaving agent fails the test instead of hanging it.
 */
final class RawAgentClient implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final SocketChannel channel;
    private final Selector selector;
    private final Duration timeout;

    private RawAgentClient(SocketChannel channel, Duration timeout) throws IOException {
        this.channel = channel;
        this.timeout = timeout;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    static RawAgentClient connect(Path socket) throws IOException {
        return connect(socket, TIMEOUT);
    }

    /** A client that waits up to {@code timeout} for each answer. */
    static RawAgentClient connect(Path socket, Duration timeout) throws IOException {
        return new RawAgentClient(SocketChannel.open(UnixDomainSocketAddress.of(socket)), timeout);
    }


    /** Sends bytes exactly as given, no framing. */
    void sendRaw(byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Frames a message body with its uint32 length and sends it. */
    void send(byte[] body) throws IOException {
        sendRaw(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array());
    }

    byte[] request(byte[] body) throws IOException, TimeoutException {
        send(body);
        return receive();
    }

    /** One response body (type byte first). */
    byte[] receive() throws IOException, TimeoutException {
        ByteBuffer header = readExactly(4);
        return readExactly(header.getInt(0)).array();
    }

    /** True when the agent has closed its end: the next read sees end of stream. */
    boolean closedByAgent() throws IOException, TimeoutException {
        try {
            readExactly(1);
            return false;
        } catch (EOFException | SocketException e) {
            // A reset is a hang-up too: the agent closed with our unread bytes still queued.
            return true;
        }
    }

    private ByteBuffer readExactly(int count) throws IOException, TimeoutException {
        ByteBuffer buffer = ByteBuffer.allocate(count);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (buffer.hasRemaining()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("agent sent " + buffer.position() + " of " + count + " bytes in " + timeout);
            }
            selector.select(Math.max(1, left / 1_000_000));
            selector.selectedKeys().clear();
            if (channel.read(buffer) < 0) {
                throw new EOFException("agent closed after " + buffer.position() + " of " + count + " bytes");
            }
        }
        return buffer;
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
