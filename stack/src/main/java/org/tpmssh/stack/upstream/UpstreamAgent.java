package org.tpmssh.stack.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection's link to another ssh-agent that ours proxies to ({@code tpmssh agent -A}),
 * opened on first use and kept for the connection's life so a session binding sent upstream holds.
 */
public final class UpstreamAgent implements AutoCloseable {

    /** An upstream agent may itself ask a person to confirm, so give it as long as askpass gets. */
    private static final long TIMEOUT_SECONDS = 60;

    private final Path socket;
    private final ScheduledExecutorService deadlines;
    private final int maxFrameBytes;
    private final Logger log;
    private SocketChannel channel;

    /**
     * @param deadlines runs the timeout that closes a request that upstream does not answer
     * @param maxFrameBytes the largest answer accepted, as for our own clients
     * @param log where a failing upstream is reported, e.g. the agent's log
     */
    public UpstreamAgent(Path socket, ScheduledExecutorService deadlines, int maxFrameBytes, Logger log) {
        this.socket = socket;
        this.deadlines = deadlines;
        this.maxFrameBytes = maxFrameBytes;
        this.log = log;
    }

    /** Sends one request body and returns the response body, or null (and logs) if upstream failed. */
    public synchronized byte[] request(byte[] body) {
        try {
            if (channel == null) {
                channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            }
            SocketChannel current = channel;
            ScheduledFuture<?> deadline = deadlines.schedule(() -> closeQuietly(current), TIMEOUT_SECONDS,
                    TimeUnit.SECONDS);
            try {
                ByteBuffer out = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
                while (out.hasRemaining()) {
                    current.write(out);
                }
                ByteBuffer header = read(current, 4);
                int length = header.getInt(0);
                if (length <= 0 || length > maxFrameBytes) {
                    throw new IOException("upstream answered a frame of " + length + " bytes");
                }
                return read(current, length).array();
            } finally {
                deadline.cancel(false);
            }
        } catch (IOException e) {
            log.log(Level.WARNING, "agent: upstream agent {0} failed: {1}", socket, e.toString());
            close();
            return null;
        }
    }

    private static ByteBuffer read(SocketChannel channel, int count) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(count);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("upstream closed after " + buffer.position() + " of " + count + " bytes");
            }
        }
        return buffer;
    }

    @Override
    public synchronized void close() {
        closeQuietly(channel);
        channel = null;
    }

    private void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.log(Level.DEBUG, "agent: closing upstream failed: {0}", e.toString());
            }
        }
    }
}
