package org.tpmssh.stack.ssh;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/** Builds a message in SSH wire format (RFC 4251 section 5); chainable, one per message. */
public final class SshWireWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public SshWireWriter writeByte(int value) {
        out.write(value);
        return this;
    }

    public SshWireWriter writeUint32(long value) {
        if (value < 0 || value > 0xffff_ffffL) {
            throw new IllegalArgumentException("uint32 out of range: " + value);
        }
        out.write((int) (value >>> 24));
        out.write((int) (value >>> 16));
        out.write((int) (value >>> 8));
        out.write((int) value);
        return this;
    }

    public SshWireWriter writeString(byte[] value) {
        writeUint32(value.length);
        out.writeBytes(value);
        return this;
    }

    public SshWireWriter writeString(String value) {
        return writeString(value.getBytes(StandardCharsets.UTF_8));
    }

    /** BigInteger's two's complement form is exactly the minimal mpint encoding, zero as empty. */
    public SshWireWriter writeMpint(BigInteger value) {
        return writeString(value.signum() == 0 ? new byte[0] : value.toByteArray());
    }

    /** Raw bytes with no length prefix, for a field already encoded elsewhere. */
    public SshWireWriter writeRaw(byte[] value) {
        out.writeBytes(value);
        return this;
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
