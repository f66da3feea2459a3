package org.tpmssh.scenarios;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.tpmssh.harness.stacks.StackAdapter;

/**
 * Test-only: the agent of a {@link FaultyStack} whose fault is in the agent protocol. It sits on the socket clients
 * use and relays every request to the stack's real agent, except that it drops the constraints {@code ssh-add}
 * asked for, or says yes to a lock without passing it on, as agents that shipped with such bugs did.
 */
final class FaultyAgentProxy implements StackAdapter.Agent {
    private static final int SSH_AGENT_SUCCESS = 6;
    private static final int SSH_AGENTC_ADD_IDENTITY = 17;
    private static final int SSH_AGENTC_LOCK = 22;
    private static final int SSH_AGENTC_UNLOCK = 23;
    private static final int SSH_AGENTC_ADD_ID_CONSTRAINED = 25;
    private static final int SSH_AGENT_CONSTRAIN_LIFETIME = 1;
    private static final int SSH_AGENT_CONSTRAIN_CONFIRM = 2;
    private static final int MAX_FRAME = 256 * 1024;

    private final FaultyStack.Fault fault;
    private final StackAdapter.Agent real;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

    FaultyAgentProxy(FaultyStack.Fault fault, StackAdapter.Agent real, Path socket) throws IOException {
        this.fault = fault;
        this.real = real;
        this.socket = socket;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread acceptor = new Thread(this::accept, "faulty-agent-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @Override
    public Path socketPath() {
        return socket;
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                open.add(client);
                Thread relay = new Thread(() -> relay(client), "faulty-agent-relay");
                relay.setDaemon(true);
                relay.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(SocketChannel client) {
        try (client; SocketChannel agent = SocketChannel.open(UnixDomainSocketAddress.of(real.socketPath()))) {
            open.add(agent);
            byte[] request;
            while ((request = read(client)) != null) {
                byte[] changed = rewrite(request);
                if (changed == null) {
                    write(client, new byte[] {SSH_AGENT_SUCCESS});
                    continue;
                }
                write(agent, changed);
                byte[] answer = read(agent);
                if (answer == null) {
                    return;
                }
                write(client, answer);
            }
        } catch (IOException e) {
            // a client or the agent went away: this connection ends
        } finally {
            open.remove(client);
        }
    }

    /** The request to pass on, or null to answer SUCCESS without passing it on. */
    private byte[] rewrite(byte[] request) {
        int type = request[0] & 0xFF;
        switch (fault) {
            case IGNORES_LOCK:
                return type == SSH_AGENTC_LOCK || type == SSH_AGENTC_UNLOCK ? null : request;
            case IGNORES_LIFETIME:
                // ssh-add -t N ends the message with byte 1, uint32 N.
                if (type == SSH_AGENTC_ADD_ID_CONSTRAINED && request.length > 5
                        && request[request.length - 5] == SSH_AGENT_CONSTRAIN_LIFETIME) {
                    return unconstrained(Arrays.copyOf(request, request.length - 5));
                }
                return request;
            case IGNORES_CONFIRM:
                // ssh-add -c ends the message with byte 2.
                if (type == SSH_AGENTC_ADD_ID_CONSTRAINED && request[request.length - 1] == SSH_AGENT_CONSTRAIN_CONFIRM) {
                    return unconstrained(Arrays.copyOf(request, request.length - 1));
                }
                return request;
            default:
                return request;
        }
    }

    private static byte[] unconstrained(byte[] request) {
        request[0] = (byte) SSH_AGENTC_ADD_IDENTITY;
        return request;
    }

    private static byte[] read(SocketChannel channel) throws IOException {
        ByteBuffer length = ByteBuffer.allocate(4);
        if (!fill(channel, length)) {
            return null;
        }
        int n = length.flip().getInt();
        if (n <= 0 || n > MAX_FRAME) {
            throw new IOException("agent frame of " + n + " bytes");
        }
        ByteBuffer body = ByteBuffer.allocate(n);
        if (!fill(channel, body)) {
            return null;
        }
        return body.array();
    }

    private static boolean fill(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void write(SocketChannel channel, byte[] payload) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).flip();
        while (frame.hasRemaining()) {
            channel.write(frame);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (SocketChannel c : open) {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the run's work dir goes with it
        }
        real.close();
    }
}
