package org.tpmssh.stack.agent;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumSet;
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
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.tpmssh.stack.ssh.AgentKey;

/**
 * An ssh-agent on a unix socket for real OpenSSH clients (SSH_AUTH_SOCK), offering a supplier's keys and
 * those added with ssh-add; docs/agent.md says what it speaks and who may connect.
 */
public final class SshAgentServer implements AutoCloseable {

    /** The agent's one log: every class of the agent and the PIN sources and upstream link it creates write here. */
    static final Logger LOG = System.getLogger(SshAgentServer.class.getName());

    /** Linux sun_path is 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;
    static final int MAX_CONNECTIONS = 64;
    /** A client that starts a frame must finish it this fast, or it loses the connection. */
    static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_SOCKET = PosixFilePermissions.fromString("rw-------");

    private final Path socketPath;
    private final ServerSocketChannel server;
    private final AgentRequestHandler handler;
    private final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
    private final ExecutorService connections;
    private final ScheduledExecutorService deadlines;
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;
    private final Duration frameTimeout;

    private final UserPrincipal owner;
    private final UserPrincipal root;

    private SshAgentServer(Path socketPath, ServerSocketChannel server,
            Supplier<? extends Collection<? extends AgentKey>> keys, AgentOptions options,
            UserPrincipal owner, UserPrincipal root) {
        this.socketPath = socketPath;
        this.frameTimeout = options.frameTimeout();
        this.server = server;
        this.owner = owner;
        this.root = root;
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
        Path path = socketPath.toAbsolutePath();
        checkPathLength(path);
        preparePrivateDirectory(path.getParent());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new AgentSocketException(path + " already exists; remove the stale socket or choose another path");
        }
        ServerSocketChannel channel = null;
        UserPrincipal owner;
        UserPrincipal root;
        try {
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(path));
            // The directory is private, so nobody could reach the socket between bind and chmod.
            Files.setPosixFilePermissions(path, OWNER_ONLY_SOCKET);
            Set<PosixFilePermission> actual = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            if (!actual.equals(OWNER_ONLY_SOCKET)) {
                throw new AgentSocketException("socket " + path + " has mode "
                        + PosixFilePermissions.toString(actual) + " after chmod 600; is the file system POSIX?");
            }
            // The socket is ours, so its owner is this process's user: the one peers must match.
            owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
            root = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root");
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            deleteQuietly(path);
            if (e instanceof AgentSocketException) {
                throw (AgentSocketException) e;
            }
            throw new AgentSocketException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        SshAgentServer agent = new SshAgentServer(path, channel, keys, options, owner, root);
        agent.acceptor.start();
        LOG.log(Level.DEBUG, "agent: listening on {0}", path);
        return agent;
    }

    /** The value for SSH_AUTH_SOCK. */
    public Path socketPath() {
        return socketPath;
    }

    /** Stops accepting, drops every connection, waits for the threads and deletes the socket. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeQuietly(server);
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
        deleteQuietly(socketPath);
    }

    private void acceptLoop() {
        while (!closed.get()) {
            SocketChannel client;
            try {
                client = server.accept();
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
        try {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (peer.user().equals(owner) || peer.user().equals(root)) {
                return true;
            }
            LOG.log(Level.WARNING, "agent: refused a connection from user {0}; only {1} and root may use this agent",
                    peer.user().getName(), owner.getName());
            return false;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.WARNING, "agent: cannot read the peer''s credentials ({0}); refusing the connection",
                    e.toString());
            return false;
        }
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

    private static void checkPathLength(Path path) throws AgentSocketException {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw new AgentSocketException("socket path is " + bytes + " bytes but a unix socket allows "
                    + MAX_SOCKET_PATH_BYTES + "; use a shorter directory, e.g. under /tmp: " + path);
        }
    }

    private static void preparePrivateDirectory(Path dir) throws AgentSocketException {
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR); // the umask may have trimmed it
            }
            PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class);
            Set<PosixFilePermission> others = EnumSet.copyOf(attributes.permissions());
            others.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE));
            String me = System.getProperty("user.name");
            if (!others.isEmpty() || !attributes.owner().getName().equals(me)) {
                throw new AgentSocketException("directory " + dir + " is "
                        + PosixFilePermissions.toString(attributes.permissions()) + " owned by "
                        + attributes.owner().getName() + "; the agent socket needs a directory owned by "
                        + me + " with mode 700 (chmod 700 it, or choose a private directory)");
            }
        } catch (AgentSocketException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            throw new AgentSocketException("cannot prepare a private directory " + dir + ": " + e, e);
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

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "agent: close failed: {0}", e.toString());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "agent: cannot delete socket {0}: {1}", path, e.getMessage());
        }
    }
}
