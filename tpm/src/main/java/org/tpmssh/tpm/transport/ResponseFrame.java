package org.tpmssh.tpm.transport;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.tpmssh.tpm.transport.TransportException.Reason;

/**
 * Reads and checks the one thing every backend shares: a response frame (tag u16, size u32, rc u32, body),
 * so a broken peer gives a message that says what was wrong rather than a hang or an index error.
 */
final class ResponseFrame {

    static final int HEADER = 10;
    /** TPM2 responses are at most a few KiB; anything past this is not a TPM talking. */
    static final int MAX_SIZE = 64 * 1024;

    private ResponseFrame() {
    }

    /** Reads one response from a socket. */
    static byte[] read(Wire wire) throws TransportException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        if (!wire.fill(header)) {
            if (header.position() == 0) {
                throw new TransportException(Reason.LOST, wire.peer() + " closed the connection without answering."
                        + " Did the TPM process exit or crash?");
            }
            throw truncatedHeader(header.position());
        }
        int size = header.getInt(2);
        checkSize(size);
        ByteBuffer response = ByteBuffer.allocate(size).put(header.flip());
        if (!wire.fill(response)) {
            throw truncated(size, response.position());
        }
        return response.array();
    }

    /** Checks a response that arrived in one piece, as from a device file; returns it trimmed to its size. */
    static byte[] check(byte[] buffer, int length) throws TransportException {
        if (length < HEADER) {
            throw truncatedHeader(length);
        }
        int size = ByteBuffer.wrap(buffer).getInt(2);
        checkSize(size);
        if (size != length) {
            throw truncated(size, length);
        }
        return Arrays.copyOf(buffer, length);
    }

    private static void checkSize(int size) throws TransportException {
        if (Integer.compareUnsigned(size, HEADER) < 0) {
            throw new TransportException(Reason.MALFORMED, "the TPM's response header says "
                    + Integer.toUnsignedString(size)
                    + " bytes, less than the 10-byte header itself: this is not a TPM response");
        }
        if (Integer.compareUnsigned(size, MAX_SIZE) > 0) {
            throw new TransportException(Reason.MALFORMED, "the TPM's response header says "
                    + Integer.toUnsignedString(size)
                    + " bytes, more than the " + MAX_SIZE + "-byte limit: this is not a TPM response"
                    + " (is the address really a TPM's data port?)");
        }
    }

    private static TransportException truncatedHeader(int got) {
        return new TransportException(Reason.MALFORMED, "the TPM's response was truncated: got " + got
                + " of the 10 header bytes before the connection closed");
    }

    private static TransportException truncated(int size, int got) {
        return new TransportException(Reason.MALFORMED, "the TPM's response was truncated: header says " + size
                + " bytes, got " + got);
    }
}
