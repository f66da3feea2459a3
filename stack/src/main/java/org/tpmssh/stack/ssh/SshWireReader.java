package org.tpmssh.stack.ssh;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferException;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * Reads the SSH wire-format fields a peer sent through MINA's {@link Buffer}, checking each claimed length
 * first and turning MINA's unchecked errors into typed ones.
 */
public final class SshWireReader {

    private final Buffer buffer;

    public SshWireReader(byte[] buffer) {
        this(buffer, 0, buffer.length);
    }

    public SshWireReader(byte[] buffer, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buffer.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length
                    + " outside buffer of " + buffer.length);
        }
        this.buffer = new ByteArrayBuffer(buffer, offset, length, true);
    }

    /** Reads from a MINA buffer someone else positioned, e.g. the agent's request buffer. */
    public SshWireReader(Buffer buffer) {
        this.buffer = buffer;
    }

    /** The MINA buffer underneath, for MINA's own parsers (public keys, key pairs). */
    public Buffer buffer() {
        return buffer;
    }

    public int remaining() {
        return buffer.available();
    }

    public boolean hasRemaining() {
        return buffer.available() > 0;
    }

    public int readByte() throws SshWireFormatException {
        require(1, "byte");
        return buffer.getUByte();
    }

    public boolean readBoolean() throws SshWireFormatException {
        return readByte() != 0;
    }

    /** An SSH uint32; returned as a long because Java has no unsigned int. */
    public long readUint32() throws SshWireFormatException {
        require(4, "uint32");
        return buffer.getUInt();
    }

    /** An SSH string as raw bytes. */
    public byte[] readString() throws SshWireFormatException {
        require(4, "string length");
        long length = buffer.rawUInt(buffer.rpos());
        if (length > remaining() - 4) {
            throw new SshWireFormatException("string claims " + length + " bytes but only "
                    + (remaining() - 4) + " remain");
        }
        try {
            return buffer.getBytes();
        } catch (BufferException e) {
            throw new SshWireFormatException("string: " + e.getMessage());
        }
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

    /**
     * A non-negative mpint, as every key and signature component is, in its one encoding: RFC 4251 (section 5)
     * forbids unnecessary leading zero bytes, and a key blob read any other way would not encode back to itself.
     */
    public BigInteger readPositiveMpint(String field) throws SshWireFormatException {
        byte[] magnitude = readString();
        if (magnitude.length > 0 && magnitude[0] == 0 && (magnitude.length == 1 || magnitude[1] >= 0)) {
            throw new SshWireFormatException(field + " has an unnecessary leading zero byte (RFC 4251, section 5)");
        }
        BigInteger value = magnitude.length == 0 ? BigInteger.ZERO : new BigInteger(magnitude);
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
