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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.tpmssh.stack.socket.ClientConnections;
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

    /** Clients open at once; when all are taken, a new one takes the slot of the longest waiting (docs/agent.md). */
    static final int MAX_CONNECTIONS = 64;
    /** A client that starts a frame must finish it this fast, or it loses the connection. */
    static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(10);
    /** Longer than sshd's LoginGraceTime (120 s), the longest a login normally holds its agent connection. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

    private final OwnerOnlySocket socket;
    private final AgentRequestHandler handler;
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final ExecutorService connections;
    private final ClientConnections clients;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;

    private SshAgentServer(OwnerOnlySocket socket, Supplier<? extends Collection<? extends AgentKey>> keys,
            AgentOptions options) {
        this.socket = socket;
        this.connections = Executors.newCachedThreadPool(daemonThreads("tpmssh-agent-conn"));
        this.clients = new ClientConnections(new ClientConnections.Limits(MAX_CONNECTIONS, options.idleTimeout(),
                options.frameTimeout(), ClientConnections.WhenFull.LET_GO_LONGEST_WAITING), LOG, "agent",
                daemonThreads("tpmssh-agent-deadline"));
        this.handler = new AgentRequestHandler(keys, options, clients.timers());
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

    /** Clients connected now. */
    int openConnections() {
        return clients.openCount();
    }

    /** Timer tasks queued now: client deadlines, key lifetimes, upstream deadlines. */
    int queuedDeadlines() {
        return clients.queuedTimers();
    }

    /** Stops accepting, drops every connection, waits for the threads and deletes the socket. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        socket.close(); // stops accepting; the socket file goes too
        clients.close();
        connections.shutdownNow();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            if (!connections.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "agent: connection threads still running 5 s after close");
            }
            if (!clients.awaitTermination(Duration.ofSeconds(5))) {
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
            Optional<ClientConnections.Client> admitted = clients.admit(client);
            if (admitted.isEmpty()) {
                continue;
            }
            try {
                connections.execute(() -> serve(admitted.get()));
            } catch (RejectedExecutionException e) {
                admitted.get().close();
            }
        }
    }

    /** Only the user who owns the socket, or root, may use the agent; a mode can be changed, SO_PEERCRED cannot. */
    private boolean permitted(SocketChannel client) {
        Optional<String> refusal = socket.refusal(client);
        refusal.ifPresent(why -> LOG.log(Level.WARNING, "agent: {0}", why));
        return refusal.isEmpty();
    }

    private void serve(ClientConnections.Client client) {
        try (client; Connection connection = handler.connection()) {
            serve(client, connection);
        }
    }

    private void serve(ClientConnections.Client client, Connection connection) {
        try {
            ByteBuffer header = ByteBuffer.allocate(4);
            while (!closed.get()) {
                header.clear();
                // Between requests the client may idle for the whole login, up to the idle timeout.
                if (!client.awaitRequest(header.limit(1))) {
                    return;
                }
                client.readFully(header.limit(4));
                long length = header.getInt(0) & 0xffff_ffffL;
                if (length == 0 || length > AgentMessages.MAX_MESSAGE_BYTES) {
                    // The rest of the stream cannot be framed any more, so answer once and hang up.
                    LOG.log(Level.WARNING, "agent: rejected a frame of {0} bytes (limit {1}); closing",
                            Long.toString(length), Integer.toString(AgentMessages.MAX_MESSAGE_BYTES));
                    client.answer(ByteBuffer.wrap(frame(AgentMessages.failure())));
                    return;
                }
                ByteBuffer body = ByteBuffer.allocate((int) length);
                client.readFully(body);
                client.working();
                client.answer(ByteBuffer.wrap(frame(handler.handle(connection, body.array()))));
            }
        } catch (EOFException e) {
            LOG.log(Level.WARNING, "agent: client hung up mid-frame: {0}", e.getMessage());
        } catch (AsynchronousCloseException e) {
            return; // close(), a deadline or a full table, which logged why
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "agent: connection ended: {0}", e.toString());
        } catch (RuntimeException e) {
            // Never let one connection's bug reach the server or print a trace.
            LOG.log(Level.ERROR, "agent: connection failed unexpectedly: {0}", e.toString());
        }
    }

    private static byte[] frame(byte[] body) {
        ByteBuffer out = ByteBuffer.allocate(4 + body.length);
        out.putInt(body.length).put(body);
        return out.array();
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
