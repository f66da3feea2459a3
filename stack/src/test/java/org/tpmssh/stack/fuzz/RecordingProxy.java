package org.tpmssh.stack.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A unix socket in front of a server's socket that forwards both ways and keeps what each client sent, for
 * recording the seed inputs of fuzz targets from real clients. Test use only; its threads are daemons.
 */
public final class RecordingProxy implements AutoCloseable {
    private final ServerSocketChannel server;
    private final List<ByteArrayOutputStream> connections = new ArrayList<>();

    private RecordingProxy(ServerSocketChannel server) {
        this.server = server;
    }

    /** Listens at {@code proxy} and forwards each connection to {@code target}. */
    public static RecordingProxy start(Path proxy, Path target) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(proxy));
        RecordingProxy p = new RecordingProxy(server);
        daemon(() -> {
            while (true) {
                try {
                    SocketChannel client = server.accept();
                    SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(target));
                    ByteArrayOutputStream sent = new ByteArrayOutputStream();
                    synchronized (p.connections) {
                        p.connections.add(sent);
                    }
                    daemon(() -> pump(client, upstream, sent));
                    daemon(() -> pump(upstream, client, null));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return p;
    }

    /** How many connections were accepted so far. */
    public int count() {
        synchronized (connections) {
            return connections.size();
        }
    }

    /** What each client since connection {@code from} sent, once the clients have hung up. */
    public List<byte[]> sentSince(int from) throws InterruptedException {
        Thread.sleep(200); // the pumps drain what a client wrote before it closed
        List<byte[]> out = new ArrayList<>();
        synchronized (connections) {
            for (ByteArrayOutputStream c : connections.subList(from, connections.size())) {
                synchronized (c) {
                    out.add(c.toByteArray());
                }
            }
        }
        return out;
    }

    private static void pump(SocketChannel from, SocketChannel to, ByteArrayOutputStream record) {
        ByteBuffer buffer = ByteBuffer.allocate(65536);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                if (record != null) {
                    synchronized (record) {
                        record.write(buffer.array(), 0, buffer.limit());
                    }
                }
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
        } catch (IOException e) {
            // the other side went away; what was recorded stays
        } finally {
            try {
                to.shutdownOutput();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "recording-proxy");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
