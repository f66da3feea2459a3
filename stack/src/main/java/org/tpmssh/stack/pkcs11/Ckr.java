package org.tpmssh.stack.pkcs11;

import java.util.Map;

/** CK_RV values (PKCS#11 v2.40 / 3.0, pkcs11t.h) that this module returns, with their names. */
public final class Ckr {
    private Ckr() {
    }

    public static final long OK = 0x0L;
    public static final long HOST_MEMORY = 0x2L;
    public static final long SLOT_ID_INVALID = 0x3L;
    public static final long GENERAL_ERROR = 0x5L;
    public static final long FUNCTION_FAILED = 0x6L;
    public static final long ARGUMENTS_BAD = 0x7L;
    public static final long ATTRIBUTE_SENSITIVE = 0x11L;
    public static final long ATTRIBUTE_TYPE_INVALID = 0x12L;
    public static final long ATTRIBUTE_VALUE_INVALID = 0x13L;
    public static final long DATA_INVALID = 0x20L;
    public static final long DATA_LEN_RANGE = 0x21L;
    public static final long DEVICE_ERROR = 0x30L;
    public static final long FUNCTION_NOT_SUPPORTED = 0x54L;
    public static final long KEY_HANDLE_INVALID = 0x60L;
    public static final long KEY_TYPE_INCONSISTENT = 0x63L;
    public static final long KEY_FUNCTION_NOT_PERMITTED = 0x68L;
    public static final long MECHANISM_INVALID = 0x70L;
    public static final long MECHANISM_PARAM_INVALID = 0x71L;
    public static final long OBJECT_HANDLE_INVALID = 0x82L;
    public static final long OPERATION_ACTIVE = 0x90L;
    public static final long OPERATION_NOT_INITIALIZED = 0x91L;
    public static final long PIN_INCORRECT = 0xA0L;
    public static final long PIN_INVALID = 0xA1L;
    public static final long PIN_LEN_RANGE = 0xA2L;
    public static final long PIN_LOCKED = 0xA4L;
    public static final long SESSION_CLOSED = 0xB0L;
    public static final long SESSION_HANDLE_INVALID = 0xB3L;
    public static final long SESSION_PARALLEL_NOT_SUPPORTED = 0xB4L;
    public static final long SESSION_READ_ONLY_EXISTS = 0xB7L;
    public static final long SESSION_READ_WRITE_SO_EXISTS = 0xB8L;
    public static final long USER_ALREADY_LOGGED_IN = 0x100L;
    public static final long USER_NOT_LOGGED_IN = 0x101L;
    public static final long USER_TYPE_INVALID = 0x103L;
    public static final long RANDOM_SEED_NOT_SUPPORTED = 0x120L;
    public static final long BUFFER_TOO_SMALL = 0x150L;
    public static final long CRYPTOKI_NOT_INITIALIZED = 0x190L;
    public static final long CRYPTOKI_ALREADY_INITIALIZED = 0x191L;

    private static final Map<Long, String> NAMES = Map.ofEntries(
            Map.entry(OK, "CKR_OK"), Map.entry(SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"),
            Map.entry(GENERAL_ERROR, "CKR_GENERAL_ERROR"), Map.entry(FUNCTION_FAILED, "CKR_FUNCTION_FAILED"),
            Map.entry(ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"), Map.entry(ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"),
            Map.entry(ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID"), Map.entry(DATA_INVALID, "CKR_DATA_INVALID"),
            Map.entry(DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE"), Map.entry(DEVICE_ERROR, "CKR_DEVICE_ERROR"),
            Map.entry(KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID"),
            Map.entry(KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"),
            Map.entry(KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"),
            Map.entry(MECHANISM_INVALID, "CKR_MECHANISM_INVALID"),
            Map.entry(MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID"),
            Map.entry(OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID"),
            Map.entry(OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE"),
            Map.entry(OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"),
            Map.entry(PIN_INCORRECT, "CKR_PIN_INCORRECT"), Map.entry(PIN_INVALID, "CKR_PIN_INVALID"),
            Map.entry(PIN_LOCKED, "CKR_PIN_LOCKED"), Map.entry(SESSION_CLOSED, "CKR_SESSION_CLOSED"),
            Map.entry(SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"),
            Map.entry(USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"),
            Map.entry(USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"),
            Map.entry(USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID"),
            Map.entry(HOST_MEMORY, "CKR_HOST_MEMORY"), Map.entry(ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID"),
            Map.entry(FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED"), Map.entry(PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"),
            Map.entry(SESSION_PARALLEL_NOT_SUPPORTED, "CKR_SESSION_PARALLEL_NOT_SUPPORTED"),
            Map.entry(SESSION_READ_ONLY_EXISTS, "CKR_SESSION_READ_ONLY_EXISTS"),
            Map.entry(SESSION_READ_WRITE_SO_EXISTS, "CKR_SESSION_READ_WRITE_SO_EXISTS"),
            Map.entry(RANDOM_SEED_NOT_SUPPORTED, "CKR_RANDOM_SEED_NOT_SUPPORTED"),
            Map.entry(BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"),
            Map.entry(CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED"),
            Map.entry(CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED"));

    public static String name(long rv) {
        return NAMES.getOrDefault(rv, String.format("CKR_0x%08X", rv));
    }
}
