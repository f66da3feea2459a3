package org.tpmssh.stack.ssh;

import java.math.BigInteger;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;

/**
 * Builds one message in SSH wire format (RFC 4251 section 5) on a MINA {@link Buffer}; mpints are written
 * here because MINA's differ from the RFC.
 */
public final class SshWireWriter {

    private final Buffer out = new ByteArrayBuffer();

    public SshWireWriter writeByte(int value) {
        out.putByte((byte) value);
        return this;
    }

    public SshWireWriter writeUint32(long value) {
        if (value < 0 || value > 0xffff_ffffL) {
            throw new IllegalArgumentException("uint32 out of range: " + value);
        }
        out.putUInt(value);
        return this;
    }

    public SshWireWriter writeString(byte[] value) {
        out.putBytes(value);
        return this;
    }

    public SshWireWriter writeString(String value) {
        out.putString(value);
        return this;
    }

    /** BigInteger's two's complement form is exactly the minimal mpint encoding, zero as empty. */
    public SshWireWriter writeMpint(BigInteger value) {
        return writeString(value.signum() == 0 ? new byte[0] : value.toByteArray());
    }

    /** The MINA buffer underneath, for MINA's own writers (public keys). */
    public Buffer buffer() {
        return out;
    }

    public byte[] toByteArray() {
        return out.getCompactData();
    }
}
