package org.tpmssh.tpm.transport;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tpmssh.tpm.transport.TransportException.Reason;

/**
 * A fake TPM for fuzz targets. It fakes the TPM's answers only: each command gets the next response frame of a
 * fuzzed byte stream, cut where that frame's header says it ends and checked as a device read is
 * ({@link ResponseFrame#check}); when the stream runs out, the TPM has hung up. What it is sent is kept for the
 * test and never interpreted.
 */
public final class FuzzedTpm implements TpmTransport {
    private final byte[] stream;
    private int at;
    private final List<byte[]> commands = new ArrayList<>();

    public FuzzedTpm(byte[] stream, int from) {
        this.stream = stream;
        this.at = from;
    }

    /** The next frame of the stream: its header's size when that fits what is left, else all that is left. */
    public byte[] nextFrame() throws TransportException {
        int left = stream.length - at;
        if (left <= 0) {
            throw new TransportException(Reason.LOST, "the fake TPM has no more answers");
        }
        int size = left >= 6 ? ((stream[at + 2] & 0xff) << 24) | ((stream[at + 3] & 0xff) << 16)
                | ((stream[at + 4] & 0xff) << 8) | (stream[at + 5] & 0xff) : left;
        int take = size >= ResponseFrame.HEADER && size <= left ? size : left;
        byte[] frame = Arrays.copyOfRange(stream, at, at + take);
        at += take;
        return ResponseFrame.check(frame, frame.length);
    }

    /** The bytes not yet served. */
    public byte[] rest() {
        return Arrays.copyOfRange(stream, Math.min(at, stream.length), stream.length);
    }

    /** Consumes {@code n} raw bytes of the stream (fewer when it ends), for fakes that build their own frames. */
    public byte[] take(int n) {
        int from = Math.min(at, stream.length);
        int to = Math.min(stream.length, from + Math.max(0, n));
        at = to;
        return Arrays.copyOfRange(stream, from, to);
    }

    public boolean exhausted() {
        return at >= stream.length;
    }

    public List<byte[]> commands() {
        return commands;
    }

    @Override
    public byte[] transmit(byte[] command) throws TransportException {
        commands.add(command.clone());
        return nextFrame();
    }

    @Override
    public void close() {
    }
}
