package org.tpmssh.stack.p11kit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One entry of C_GetAttributeValue's answer: unavailable (sensitive, unknown, or the caller's buffer
 * too small: ulValueLen = CK_UNAVAILABLE_INFORMATION), its length only (the caller passed no
 * buffer), or its value. Values are held in the Java type the attribute's wire kind needs.
 */
record AttributeAnswer(long type, Object value, long length, boolean unavailable) {

    static AttributeAnswer unavailable(long type) {
        return new AttributeAnswer(type, null, -1, true);
    }

    /**
     * The answer for the model's {@code value} (Boolean, Long or byte[]) to a caller with a buffer of
     * {@code bufferLength} bytes (0: length only; {@link RpcReader#EMPTY_BUFFER}: a buffer of none).
     */
    static AttributeAnswer of(long type, Object value, long bufferLength) {
        AttributeKind kind = AttributeKind.of(type);
        Object wire = switch (kind) {
            case BYTE -> value instanceof Long l ? Boolean.valueOf(l != 0) : value;
            case ULONG -> value instanceof Boolean b ? Long.valueOf(b ? 1 : 0) : value;
            default -> value instanceof byte[] ? value : nativeBytes(value);
        };
        long length = kind.fixedLength() >= 0 ? kind.fixedLength() : ((byte[]) wire).length;
        if (bufferLength == 0) {
            return new AttributeAnswer(type, null, length, false);
        }
        long room = bufferLength == RpcReader.EMPTY_BUFFER ? 0 : bufferLength;
        if (room < length) {
            return unavailable(type);
        }
        return new AttributeAnswer(type, wire, length, false);
    }

    /** A CK_BBOOL or CK_ULONG where the wire expects bytes: as a little-endian C caller holds it in memory. */
    private static byte[] nativeBytes(Object value) {
        if (value instanceof Boolean b) {
            return new byte[] {(byte) (b ? 1 : 0)};
        }
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong((Long) value).array();
    }
}
