package org.tpmssh.stack.p11kit;

import java.io.EOFException;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.tpmssh.stack.socket.ClientConnections;
import org.tpmssh.stack.socket.OwnerOnlySocket;
import org.tpmssh.stack.socket.PrivateSocketException;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.Tokens;

/**
 * The server end of p11-kit's RPC on a private unix socket: a C program that loads
 * {@code p11-kit-client.so} with {@code P11_KIT_SERVER_ADDRESS} set to {@link #address()} gets
 * tpmssh's tokens as a PKCS#11 module. One thread per connection (a client process holds its
 * connection while it runs), and each connection is one PKCS#11 application with its own login.
 */
public final class P11KitServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(P11KitServer.class.getName());

    /** The environment variable p11-kit-client.so reads, and which {@link #environment()} sets. */
    public static final String ADDRESS_VARIABLE = "P11_KIT_SERVER_ADDRESS";
    static final int MAX_CONNECTIONS = 64;
    /** A header, then the client's options (p11-kit sends its module name) and the request. */
    static final int HEADER_BYTES = 12;
    static final int MAX_OPTIONS_BYTES = 4096;
    static final int MAX_REQUEST_BYTES = SignCalls.MAX_SIGN_DATA + 4096;
    /** The only RPC version this server speaks; p11-kit clients of every version accept it. */
    static final int PROTOCOL_VERSION = 0;

    private final OwnerOnlySocket socket;
    private final ServedTokens served;
    private final P11KitOptions options;
    private final RpcDispatcher dispatcher = new RpcDispatcher();
    private final ExecutorService connections;
    private final ClientConnections clients;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread acceptor;

    private P11KitServer(OwnerOnlySocket socket, ServedTokens served, P11KitOptions options) {
        this.socket = socket;
        this.served = served;
        this.options = options;
        AtomicInteger n = new AtomicInteger();
        this.connections = Executors.newCachedThreadPool(r -> daemon(r, "tpmssh-p11kit-conn-" + n.incrementAndGet()));
        // A client connection is a PKCS#11 application and its login, often idle for hours (a browser): never
        // closed for idling, and a full table refuses rather than logging another application out.
        this.clients = new ClientConnections(new ClientConnections.Limits(MAX_CONNECTIONS, Duration.ZERO,
                options.frameTimeout(), ClientConnections.WhenFull.REFUSE), LOG, "p11-kit server",
                r -> daemon(r, "tpmssh-p11kit-deadline"));
        this.acceptor = daemon(this::acceptLoop, "tpmssh-p11kit-accept");
    }

    /**
     * Listens at {@code socketPath} (0600, in a directory that is or is made 0700) and serves the
     * tokens of {@code tokens} that live under {@code parent}, the storage key its ring was opened with.
     */
    public static P11KitServer start(Path socketPath, Tokens tokens, ParentKind parent, P11KitOptions options)
            throws PrivateSocketException, GeneralSecurityException {
        PlaceholderCertificates certificates = options.placeholderCertificates() ? new PlaceholderCertificates()
                : null;
        OwnerOnlySocket socket = OwnerOnlySocket.bind(socketPath);
        P11KitServer server = new P11KitServer(socket,
                new ServedTokens(tokens, parent, options.tokenLabels(), certificates), options);
        server.acceptor.start();
        LOG.log(Level.DEBUG, "p11-kit server: listening on {0}", socket.path());
        return server;
    }

    public Path socketPath() {
        return socket.path();
    }

    /** The value for P11_KIT_SERVER_ADDRESS: {@code unix:path=} and the path, %-encoded as p11-kit expects. */
    public String address() {
        return addressOf(socket.path());
    }

    /** What a client process needs in its environment to reach this server. */
    public Map<String, String> environment() {
        return Map.of(ADDRESS_VARIABLE, address());
    }

    static String addressOf(Path socket) {
        StringBuilder b = new StringBuilder("unix:path=");
        for (byte c : socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
                    || c == '_' || c == '/' || c == '\\') {
                b.append((char) c);
            } else {
                b.append(String.format("%%%02X", c & 0xff));
            }
        }
        return b.toString();
    }

    /** Stops accepting, drops every connection (logging each client out) and deletes the socket. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        socket.close();
        clients.close();
        connections.shutdownNow();
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(5));
            if (!connections.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.log(Level.WARNING, "p11-kit server: connection threads still running 10 s after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!closed.get()) {
            SocketChannel client;
            try {
                client = socket.channel().accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(Level.WARNING, "p11-kit server: accept failed: {0}", e.getMessage());
                continue;
            }
            Optional<String> refusal = socket.refusal(client);
            if (refusal.isPresent()) {
                LOG.log(Level.WARNING, "p11-kit server: {0}", refusal.get());
                closeQuietly(client);
                continue;
            }
            Optional<ClientConnections.Client> admitted = clients.admit(client);
            if (admitted.isEmpty()) {
                continue;
            }
            try {
                connections.execute(() -> {
                    try (ClientConnections.Client c = admitted.get(); Application app = new Application(served)) {
                        serve(c, app);
                    }
                });
            } catch (RejectedExecutionException e) {
                admitted.get().close();
            }
        }
    }

    /** The version byte each way, then request frames until the client hangs up. */
    private void serve(ClientConnections.Client client, Application app) {
        try {
            ByteBuffer version = ByteBuffer.allocate(1);
            if (!readStarted(client, version)) {
                return;
            }
            client.answer(ByteBuffer.wrap(new byte[] {PROTOCOL_VERSION}));
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
            while (!closed.get()) {
                header.clear();
                if (!readStarted(client, header)) {
                    return;
                }
                long code = header.getInt(0) & 0xffff_ffffL;
                long optionsLength = header.getInt(4) & 0xffff_ffffL;
                long length = header.getInt(8) & 0xffff_ffffL;
                if (code == 0 || optionsLength > MAX_OPTIONS_BYTES || length > MAX_REQUEST_BYTES) {
                    // The stream cannot be framed any more: only hanging up is safe.
                    LOG.log(Level.WARNING, "p11-kit server: closing a connection that sent a bad header (code {0},"
                            + " {1} option bytes, {2} message bytes; limits {3} and {4})", Long.toString(code),
                            Long.toString(optionsLength), Long.toString(length), Integer.toString(MAX_OPTIONS_BYTES),
                            Integer.toString(MAX_REQUEST_BYTES));
                    return;
                }
                ByteBuffer body = ByteBuffer.allocate((int) (optionsLength + length));
                client.readFully(body);
                byte[] request = Arrays.copyOfRange(body.array(), (int) optionsLength, body.capacity());
                Arrays.fill(body.array(), (byte) 0);
                client.working();
                byte[] response;
                try {
                    response = dispatcher.handle(app, request);
                } finally {
                    Arrays.fill(request, (byte) 0); // C_Login's PIN travelled in it
                }
                ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + response.length);
                out.putInt((int) code).putInt(0).putInt(response.length).put(response).flip();
                client.answer(out);
            }
        } catch (EOFException e) {
            LOG.log(Level.WARNING, "p11-kit server: client hung up mid-message: {0}", e.getMessage());
        } catch (AsynchronousCloseException e) {
            return; // close() or a deadline, which logged why
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "p11-kit server: connection ended: {0}", e.toString());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "p11-kit server: connection failed unexpectedly: {0}", e.toString());
        }
    }

    /** The first byte whenever the client likes (it may idle between calls), the rest within the frame timeout. */
    private static boolean readStarted(ClientConnections.Client client, ByteBuffer buffer) throws IOException {
        int limit = buffer.limit();
        if (!client.awaitRequest(buffer.limit(1))) {
            return false;
        }
        client.readFully(buffer.limit(limit));
        return true;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "p11-kit server: close failed: {0}", e.toString());
        }
    }
}
