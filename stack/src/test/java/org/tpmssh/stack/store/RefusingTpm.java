package org.tpmssh.stack.store;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.transport.Tcti;

/**
 * Unix sockets in front of a swtpm's data and control sockets that pass everything on, except that a
 * TPM2_Create whose command holds {@code template} is answered with {@code responseCode} instead of reaching the
 * swtpm: the answer of a TPM that lacks what the template asks for. Test use only; its threads are daemons.
 */
final class RefusingTpm implements AutoCloseable {
    private static final int TPM_CC_CREATE = 0x153;

    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final Path socket;

    private RefusingTpm(Path socket) {
        this.socket = socket;
    }

    /** Listens at {@code socket} (and its ".ctrl") in front of {@code swtpm}, which serves unix sockets. */
    static RefusingTpm start(Path socket, Swtpm swtpm, byte[] template, int responseCode) throws IOException {
        RefusingTpm p = new RefusingTpm(socket);
        p.listen(socket, swtpm.socketPath(), (client, upstream) -> p.answer(client, upstream, template, responseCode));
        p.listen(Path.of(socket + ".ctrl"), swtpm.ctrlSocketPath(), (client, upstream) -> {
            daemon(() -> pump(client, upstream));
            pump(upstream, client);
        });
        return p;
    }

    /** The TCTI of this TPM. */
    Tcti tcti() {
        return Tcti.swtpmUnix(socket);
    }

    private interface Serve {
        void run(SocketChannel client, SocketChannel upstream) throws IOException;
    }

    private void listen(Path at, Path target, Serve serve) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(at));
        servers.add(server);
        daemon(() -> {
            while (true) {
                try {
                    SocketChannel client = server.accept();
                    SocketChannel upstream = SocketChannel.open(UnixDomainSocketAddress.of(target));
                    daemon(() -> {
                        try (client; upstream) {
                            serve.run(client, upstream);
                        } catch (IOException e) {
                            // the client or the swtpm went away
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    /** One command at a time, as the TPM protocol goes: forwarded with its response, or refused here. */
    private void answer(SocketChannel client, SocketChannel upstream, byte[] template, int responseCode)
            throws IOException {
        while (true) {
            ByteBuffer command = message(client);
            if (command == null) {
                return;
            }
            if (command.getInt(6) == TPM_CC_CREATE && contains(command.array(), template)) {
                ByteBuffer refusal = ByteBuffer.allocate(10).putShort((short) 0x8001).putInt(10).putInt(responseCode);
                write(client, refusal.flip());
                continue;
            }
            write(upstream, command);
            ByteBuffer response = message(upstream);
            if (response == null) {
                return;
            }
            write(client, response);
        }
    }

    /** One whole command or response (tag, size, rest), ready to write; null at the end of the stream. */
    private static ByteBuffer message(SocketChannel from) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(6);
        if (!fill(from, header)) {
            return null;
        }
        ByteBuffer whole = ByteBuffer.allocate(header.getInt(2));
        whole.put(header.flip());
        return fill(from, whole) ? whole.flip() : null;
    }

    private static boolean fill(SocketChannel from, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (from.read(b) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void write(SocketChannel to, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            to.write(b);
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        try {
            while (from.read(buffer) >= 0) {
                write(to, buffer.flip());
                buffer.clear();
            }
        } catch (IOException e) {
            // one side went away
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "refusing-tpm");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        for (ServerSocketChannel s : servers) {
            s.close();
        }
    }
}
