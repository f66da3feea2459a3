package org.tpmssh.stack.p11kit;

import java.util.Set;

/**
 * How p11-kit's RPC encodes an attribute's value, chosen by the attribute's type alone (both ends
 * decide the same way, rpc-message.c): CK_BBOOL as one byte, CK_ULONG as 8 bytes, dates, arrays,
 * and everything else, including attributes it does not know, as a byte array.
 */
enum AttributeKind {
    BYTE,
    ULONG,
    ATTRIBUTE_ARRAY,
    MECHANISM_ARRAY,
    DATE,
    BYTES;

    private static final long ARRAY_ATTRIBUTE = 0x40000000L;

    // CKA_TOKEN, PRIVATE, TRUSTED, SENSITIVE, ENCRYPT … VERIFY_RECOVER, DERIVE, EXTRACTABLE, LOCAL,
    // NEVER_EXTRACTABLE, ALWAYS_SENSITIVE, MODIFIABLE, COPYABLE, SECONDARY_AUTH, ALWAYS_AUTHENTICATE,
    // WRAP_WITH_TRUSTED, RESET_ON_INIT, HAS_RESET, COLOR
    private static final Set<Long> BYTES_ONE = Set.of(0x1L, 0x2L, 0x86L, 0x103L, 0x104L, 0x105L, 0x106L, 0x107L,
            0x108L, 0x109L, 0x10AL, 0x10BL, 0x10CL, 0x162L, 0x163L, 0x164L, 0x165L, 0x170L, 0x171L, 0x200L, 0x202L,
            0x210L, 0x301L, 0x302L, 0x405L);
    // CKA_CLASS, CERTIFICATE_TYPE, CERTIFICATE_CATEGORY, JAVA_MIDP_SECURITY_DOMAIN, KEY_TYPE, MODULUS_BITS,
    // PRIME_BITS, SUB_PRIME_BITS, VALUE_BITS, VALUE_LEN, KEY_GEN_MECHANISM, AUTH_PIN_FLAGS, HW_FEATURE_TYPE,
    // PIXEL_X, PIXEL_Y, RESOLUTION, CHAR_ROWS, CHAR_COLUMNS, BITS_PER_PIXEL, MECHANISM_TYPE
    private static final Set<Long> ULONGS = Set.of(0x0L, 0x80L, 0x87L, 0x88L, 0x100L, 0x121L, 0x133L, 0x134L,
            0x160L, 0x161L, 0x166L, 0x201L, 0x300L, 0x400L, 0x401L, 0x402L, 0x403L, 0x404L, 0x406L, 0x500L);

    static AttributeKind of(long type) {
        if (BYTES_ONE.contains(type)) {
            return BYTE;
        }
        if (ULONGS.contains(type)) {
            return ULONG;
        }
        if (type == (ARRAY_ATTRIBUTE | 0x211L) || type == (ARRAY_ATTRIBUTE | 0x212L)) {
            return ATTRIBUTE_ARRAY; // CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE
        }
        if (type == (ARRAY_ATTRIBUTE | 0x600L)) {
            return MECHANISM_ARRAY; // CKA_ALLOWED_MECHANISMS
        }
        if (type == 0x110L || type == 0x111L) {
            return DATE; // CKA_START_DATE, CKA_END_DATE
        }
        return BYTES;
    }

    /** The value's length as a 64-bit C caller sees it (ulValueLen): sizeof(CK_BBOOL) or sizeof(CK_ULONG). */
    int fixedLength() {
        return this == BYTE ? 1 : this == ULONG ? 8 : -1;
    }
}
