package org.tpmssh.stack.ssh;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads SSH wire-format fields from a byte array that a peer sent, never past its end.
 * Every length a peer claims is checked against the bytes that remain before anything is
 * allocated, so a hostile length costs an exception, not memory.
 */
public final class SshWireReader {

    private final byte[] buffer;
    private final int end;
    private int position;

    public SshWireReader(byte[] buffer) {
        this(buffer, 0, buffer.length);
    }

    public SshWireReader(byte[] buffer, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buffer.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length
                    + " outside buffer of " + buffer.length);
        }
        this.buffer = buffer;
        this.position = offset;
        this.end = offset + length;
    }

    public int remaining() {
        return end - position;
    }

    public boolean hasRemaining() {
        return position < end;
    }

    public int readByte() throws SshWireFormatException {
        require(1, "byte");
        return buffer[position++] & 0xff;
    }

    public boolean readBoolean() throws SshWireFormatException {
        return readByte() != 0;
    }

    /** An SSH uint32; returned as a long because Java has no unsigned int. */
    public long readUint32() throws SshWireFormatException {
        require(4, "uint32");
        long value = ((buffer[position] & 0xffL) << 24)
                | ((buffer[position + 1] & 0xffL) << 16)
                | ((buffer[position + 2] & 0xffL) << 8)
                | (buffer[position + 3] & 0xffL);
        position += 4;
        return value;
    }

    /** An SSH string as raw bytes. */
    public byte[] readString() throws SshWireFormatException {
        long length = readUint32();
        if (length > remaining()) {
            throw new SshWireFormatException("string claims " + length + " bytes but only "
                    + remaining() + " remain");
        }
        int start = position;
        position += (int) length;
        return Arrays.copyOfRange(buffer, start, position);
    }

    /** An SSH string that must be UTF-8 text, such as an algorithm name or a comment. */
    public String readUtf8() throws SshWireFormatException {
        return new String(readString(), StandardCharsets.UTF_8);
    }

    /** An SSH mpint: two's complement, big-endian, minimal length (RFC 4251 section 5). */
    public BigInteger readMpint() throws SshWireFormatException {
        byte[] magnitude = readString();
        if (magnitude.length == 0) {
            return BigInteger.ZERO;
        }
        return new BigInteger(magnitude);
    }

    /** A non-negative mpint, as every key and signature component is. */
    public BigInteger readPositiveMpint(String field) throws SshWireFormatException {
        BigInteger value = readMpint();
        if (value.signum() < 0) {
            throw new SshWireFormatException(field + " is negative");
        }
        return value;
    }

    /** Fails unless every byte has been consumed; trailing bytes usually mean a framing bug. */
    public void requireEnd(String what) throws SshWireFormatException {
        if (hasRemaining()) {
            throw new SshWireFormatException(what + " has " + remaining() + " unexpected trailing bytes");
        }
    }

    private void require(int count, String field) throws SshWireFormatException {
        if (remaining() < count) {
            throw new SshWireFormatException("truncated: " + field + " needs " + count
                    + " bytes but only " + remaining() + " remain");
        }
    }
}
