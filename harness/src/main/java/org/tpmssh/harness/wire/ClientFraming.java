package org.tpmssh.harness.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.tpmssh.harness.wire.TpmWireProxy.Protocol;

/**
 * How a client frames commands and responses on the proxy's data port: swtpm's raw frames, or the simulator's
 * TPM_SEND_COMMAND envelope; a client that stalls inside a frame or breaks it ends its connection, not the proxy.
 */
final class ClientFraming {
    /** Once a client starts a frame, the rest must follow within this. */
    static final Duration FRAME_TIMEOUT = Duration.ofSeconds(10);

    // The simulator's TpmTcpProtocol.h codes on the command port.
    static final int MSSIM_SEND_COMMAND = 8;
    static final int MSSIM_SESSION_END = 20;

    private final Protocol protocol;
    private final BooleanSupplier proxyClosed;

    ClientFraming(Protocol protocol, BooleanSupplier proxyClosed) {
        this.protocol = protocol;
        this.proxyClosed = proxyClosed;
    }

    /** Reads one command; null when the client ends the connection between commands. */
    byte[] readCommand(InputStream in) throws IOException {
        if (protocol == Protocol.SWTPM) {
            byte[] header = new byte[Frames.HEADER];
            if (!readFully(in, header, true)) {
                return null;
            }
            int size = Frames.u32(header, 2);
            checkSize(size, "its header");
            byte[] command = new byte[size];
            System.arraycopy(header, 0, command, 0, Frames.HEADER);
            byte[] rest = new byte[size - Frames.HEADER];
            readFully(in, rest, false);
            System.arraycopy(rest, 0, command, Frames.HEADER, rest.length);
            return command;
        }
        byte[] code = new byte[4];
        if (!readFully(in, code, true)) {
            return null;
        }
        int message = Frames.u32(code, 0);
        if (message == MSSIM_SESSION_END) {
            return null;
        }
        if (message != MSSIM_SEND_COMMAND) {
            throw new IOException("the client sent simulator message " + message + " on the command port; the proxy"
                    + " relays only TPM_SEND_COMMAND (8) and TPM_SESSION_END (20)");
        }
        byte[] head = new byte[5];
        readFully(in, head, false);
        int size = Frames.u32(head, 1);
        checkSize(size, "its TPM_SEND_COMMAND envelope");
        byte[] command = new byte[size];
        readFully(in, command, false);
        if (Frames.u32(command, 2) != size) {
            throw new IOException("the client's TPM_SEND_COMMAND envelope says " + size + " bytes but the command"
                    + " inside says " + Integer.toUnsignedString(Frames.u32(command, 2)));
        }
        return command;
    }

    /** Writes a response; {@code framedLength} differs from the bytes when the response is cut off on purpose. */
    void write(OutputStream out, byte[] response, int framedLength) throws IOException {
        if (protocol == Protocol.SWTPM) {
            out.write(response);
        } else {
            ByteBuffer b = ByteBuffer.allocate(8 + response.length).putInt(framedLength).put(response);
            if (response.length == framedLength) {
                b.putInt(0); // the simulator's acknowledgement after each response
            }
            out.write(b.array(), 0, b.position());
        }
        out.flush();
    }

    private static void checkSize(int size, String where) throws IOException {
        if (size < Frames.HEADER || size > Frames.MAX_FRAME) {
            throw new IOException("the client's command size in " + where + " is " + Integer.toUnsignedString(size)
                    + " bytes: not a TPM command");
        }
    }

    /**
     * Fills {@code b}. Before the first byte of a frame the client may stay idle for as long as it likes (until
     * the proxy closes); once a frame has started, the rest must come within {@link #FRAME_TIMEOUT}. The socket's
     * read timeout is the poll interval. Returns false when the client closes before the first byte and idling was
     * allowed.
     */
    private boolean readFully(InputStream in, byte[] b, boolean idleAllowed) throws IOException {
        int n = 0;
        long deadline = idleAllowed ? Long.MAX_VALUE : System.nanoTime() + FRAME_TIMEOUT.toNanos();
        while (n < b.length) {
            try {
                int r = in.read(b, n, b.length - n);
                if (r < 0) {
                    if (n == 0 && idleAllowed) {
                        return false;
                    }
                    throw new EOFException("the client closed the connection in the middle of a frame");
                }
                n += r;
                if (deadline == Long.MAX_VALUE) {
                    deadline = System.nanoTime() + FRAME_TIMEOUT.toNanos();
                }
            } catch (SocketTimeoutException idle) {
                if (proxyClosed.getAsBoolean()) {
                    throw new ProxyClosedException();
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("the client sent part of a frame and then nothing for "
                            + FRAME_TIMEOUT.toSeconds() + " s");
                }
            }
        }
        return true;
    }

    /** The proxy is closing: a reader stops without calling it a client's fault. */
    static final class ProxyClosedException extends IOException {
        ProxyClosedException() {
            super("the proxy closed");
        }
    }
}
