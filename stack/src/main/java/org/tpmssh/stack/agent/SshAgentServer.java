package org.tpmssh.stack.agent;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.tpmssh.stack.socket.OwnerOnlySocket;
import org.tpmssh.stack.socket.PrivateSocketException;
import org.tpmssh.stack.ssh.AgentKey;

/**
 * An ssh-agent on a unix socket for real OpenSSH clients (SSH_AUTH_SOCK), offering a supplier's keys and
 * those added with ssh-add; docs/agent.md says what it speaks and who may connect.
 */
public final class SshAgentServer implements AutoCloseable {

    /** The agent's one log: every class of the agent and the PIN sources and upstream link it creates write here. */
    static final Logger LOG = System.getLogger(SshAgentServer.class.getName());

    static final int MAX_CONNECTIONS = 64;
    /** A client that starts a frame must finish it this fast, or it loses the connection. */
    static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(10);

    private final OwnerOnlySocket socket;
    private final AgentRequestHandler handler;
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final ExecutorService connections;
    private final ScheduledExecutorService deadlines;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;
    private final Duration frameTimeout;

    private SshAgentServer(OwnerOnlySocket socket, Supplier<? extends Collection<? extends AgentKey>> keys,
            AgentOptions options) {
        this.socket = socket;
        this.frameTimeout = options.frameTimeout();
        this.connections = Executors.newCachedThreadPool(daemonThreads("tpmssh-agent-conn"));
        this.deadlines = Executors.newSingleThreadScheduledExecutor(daemonThreads("tpmssh-agent-deadline"));
        this.handler = new AgentRequestHandler(keys, options, deadlines);
        this.acceptor = daemonThreads("tpmssh-agent-accept").newThread(this::acceptLoop);
    }

    /**
     * Binds the agent socket at {@code socketPath} and starts serving.
     *
     * @param socketPath where SSH_AUTH_SOCK will point; its directory is created 0700 if absent,
     *     and must otherwise be private to this user already
     * @param keys asked on every request, so keys can come and go while the agent runs
     * @throws AgentSocketException when the socket cannot be made private or cannot be bound
     */
    public static SshAgentServer start(Path socketPath, Supplier<? extends Collection<? extends AgentKey>> keys)
            throws AgentSocketException {
        return start(socketPath, keys, AgentOptions.defaults());
    }

    /** As {@link #start(Path, Supplier)}; tests shorten the frame timeout to see it fire. */
    static SshAgentServer start(Path socketPath, Supplier<? extends Collection<? extends AgentKey>> keys,
            Duration frameTimeout) throws AgentSocketException {
        return start(socketPath, keys, AgentOptions.builder().frameTimeout(frameTimeout).build());
    }

    /**
     * As {@link #start(Path, Supplier)}, with PIN sources, the policy for added keys, SHA-1 and
     * an upstream agent taken from {@code options}.
     */
    public static SshAgentServer start(Path socketPath, Supplier<? extends Collection<? extends AgentKey>> keys,
            AgentOptions options) throws AgentSocketException {
        OwnerOnlySocket socket;
        try {
            socket = OwnerOnlySocket.bind(socketPath);
        } catch (PrivateSocketException e) {
            throw new AgentSocketException(e.getMessage(), e);
        }
        SshAgentServer agent = new SshAgentServer(socket, keys, options);
        agent.acceptor.start();
        LOG.log(Level.DEBUG, "agent: listening on {0}", socket.path());
        return agent;
    }

    /** The value for SSH_AUTH_SOCK. */
    public Path socketPath() {
        return socket.path();
    }

    /** Stops accepting, drops every connection, waits for the threads and deletes the socket. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        socket.close(); // stops accepting; the socket file goes too
        open.forEach(SshAgentServer::closeQuietly);
        connections.shutdownNow();
        deadlines.shutdownNow();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            if (!connections.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "agent: connection threads still running 5 s after close");
            }
            if (!deadlines.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "agent: deadline thread still running 5 s after close");
            }
            // close() promises that no agent thread outlives it, so wait for each thread itself.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (Thread t : threads) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left > 0) {
                    t.join(left);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        handler.forgetAll();
    }

    private void acceptLoop() {
        while (!closed.get()) {
            SocketChannel client;
            try {
                client = socket.channel().accept();
            } catch (ClosedChannelException e) {
                return; // close() was called
            } catch (IOException e) {
                LOG.log(Level.WARNING, "agent: accept failed: {0}", e.getMessage());
                continue;
            }
            if (!permitted(client)) {
                closeQuietly(client);
                continue;
            }
            if (!slots.tryAcquire()) {
                LOG.log(Level.WARNING, "agent: {0} connections open, refusing another", MAX_CONNECTIONS);
                closeQuietly(client);
                continue;
            }
            open.add(client);
            try {
                connections.execute(() -> {
                    try {
                        serve(client);
                    } finally {
                        open.remove(client);
                        closeQuietly(client);
                        slots.release();
                    }
                });
            } catch (RejectedExecutionException e) {
                open.remove(client);
                closeQuietly(client);
                slots.release();
            }
        }
    }

    /** Only the user who owns the socket, or root, may use the agent; a mode can be changed, SO_PEERCRED cannot. */
    private boolean permitted(SocketChannel client) {
        Optional<String> refusal = socket.refusal(client);
        refusal.ifPresent(why -> LOG.log(Level.WARNING, "agent: {0}", why));
        return refusal.isEmpty();
    }

    private void serve(SocketChannel client) {
        try (Connection connection = handler.connection()) {
            serve(client, connection);
        }
    }

    private void serve(SocketChannel client, Connection connection) {
        try {
            ByteBuffer header = ByteBuffer.allocate(4);
            while (!closed.get()) {
                header.clear();
                // Between requests the client may idle for the whole login; only a started frame is timed.
                if (client.read(header.limit(1)) < 0) {
                    return;
                }
                ScheduledFuture<?> deadline = deadlines.schedule(() -> dropStalled(client),
                        frameTimeout.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    readFully(client, header.limit(4));
                    long length = header.getInt(0) & 0xffff_ffffL;
                    if (length == 0 || length > AgentMessages.MAX_MESSAGE_BYTES) {
                        // The rest of the stream cannot be framed any more, so answer once and hang up.
                        LOG.log(Level.WARNING, "agent: rejected a frame of {0} bytes (limit {1}); closing",
                                Long.toString(length), Integer.toString(AgentMessages.MAX_MESSAGE_BYTES));
                        writeFully(client, frame(AgentMessages.failure()));
                        return;
                    }
                    ByteBuffer body = ByteBuffer.allocate((int) length);
                    readFully(client, body);
                    deadline.cancel(false);
                    writeFully(client, frame(handler.handle(connection, body.array())));
                } finally {
                    deadline.cancel(false);
                }
            }
        } catch (EOFException e) {
            LOG.log(Level.WARNING, "agent: client hung up mid-frame: {0}", e.getMessage());
        } catch (AsynchronousCloseException e) {
            return; // close() or dropStalled(), which logged why
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "agent: connection ended: {0}", e.toString());
        } catch (RuntimeException e) {
            // Never let one connection's bug reach the server or print a trace.
            LOG.log(Level.ERROR, "agent: connection failed unexpectedly: {0}", e.toString());
        }
    }

    private void dropStalled(SocketChannel client) {
        LOG.log(Level.WARNING, "agent: dropped a client that stalled mid-frame for over {0} ms",
                Long.toString(frameTimeout.toMillis()));
        closeQuietly(client);
    }

    private static byte[] frame(byte[] body) {
        ByteBuffer out = ByteBuffer.allocate(4 + body.length);
        out.putInt(body.length).put(body);
        return out.array();
    }

    private static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("got " + buffer.position() + " of " + buffer.limit() + " bytes");
            }
        }
    }

    private static void writeFully(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Daemon threads that {@link #close()} can join: an executor reports TERMINATED before its workers exit. */
    private ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            threads.removeIf(t -> t.getState() == Thread.State.TERMINATED); // a long-lived agent must not hoard them
            threads.add(thread);
            return thread;
        };
    }

    static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "agent: close failed: {0}", e.toString());
        }
    }
}
