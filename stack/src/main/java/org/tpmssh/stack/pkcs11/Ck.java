package org.tpmssh.stack.pkcs11;

/** PKCS#11 constants other than return values (pkcs11t.h numeric values): attributes, classes, mechanisms, flags. */
public final class Ck {
    private Ck() {
    }

    // CK_ATTRIBUTE_TYPE
    public static final long CKA_CLASS = 0x0L;
    public static final long CKA_TOKEN = 0x1L;
    public static final long CKA_PRIVATE = 0x2L;
    public static final long CKA_LABEL = 0x3L;
    public static final long CKA_KEY_TYPE = 0x100L;
    public static final long CKA_ID = 0x102L;
    public static final long CKA_SENSITIVE = 0x103L;
    public static final long CKA_SIGN = 0x108L;
    public static final long CKA_VERIFY = 0x10AL;
    public static final long CKA_MODULUS = 0x120L;
    public static final long CKA_MODULUS_BITS = 0x121L;
    public static final long CKA_PUBLIC_EXPONENT = 0x122L;
    public static final long CKA_LOCAL = 0x163L;
    public static final long CKA_EXTRACTABLE = 0x162L;
    public static final long CKA_NEVER_EXTRACTABLE = 0x164L;
    public static final long CKA_ALWAYS_SENSITIVE = 0x165L;
    public static final long CKA_EC_PARAMS = 0x180L;
    public static final long CKA_EC_POINT = 0x181L;

    // CK_OBJECT_CLASS
    public static final long CKO_PUBLIC_KEY = 0x2L;
    public static final long CKO_PRIVATE_KEY = 0x3L;

    // CK_KEY_TYPE
    public static final long CKK_RSA = 0x0L;
    public static final long CKK_EC = 0x3L;

    // CK_MECHANISM_TYPE
    public static final long CKM_RSA_PKCS = 0x1L;
    public static final long CKM_RSA_PKCS_PSS = 0xDL;
    public static final long CKM_SHA256_RSA_PKCS = 0x40L;
    public static final long CKM_SHA384_RSA_PKCS = 0x41L;
    public static final long CKM_SHA512_RSA_PKCS = 0x42L;
    public static final long CKM_SHA256 = 0x250L;
    public static final long CKM_SHA384 = 0x260L;
    public static final long CKM_SHA512 = 0x270L;
    public static final long CKM_ECDSA = 0x1041L;
    public static final long CKM_ECDSA_SHA256 = 0x1044L;
    public static final long CKM_ECDSA_SHA384 = 0x1045L;
    public static final long CKM_ECDSA_SHA512 = 0x1046L;

    // CK_RSA_PKCS_MGF_TYPE
    public static final long CKG_MGF1_SHA256 = 0x2L;
    public static final long CKG_MGF1_SHA384 = 0x3L;
    public static final long CKG_MGF1_SHA512 = 0x4L;

    // CK_USER_TYPE
    public static final long CKU_SO = 0L;
    public static final long CKU_USER = 1L;

    // CK_TOKEN_INFO flags
    public static final long CKF_RNG = 0x1L;
    public static final long CKF_WRITE_PROTECTED = 0x2L;
    public static final long CKF_LOGIN_REQUIRED = 0x4L;
    public static final long CKF_USER_PIN_INITIALIZED = 0x8L;
    public static final long CKF_TOKEN_INITIALIZED = 0x400L;
    public static final long CKF_USER_PIN_COUNT_LOW = 0x10000L;
    public static final long CKF_USER_PIN_FINAL_TRY = 0x20000L;
    public static final long CKF_USER_PIN_LOCKED = 0x40000L;

    // Certificates, sessions, slots and mechanism info (for C_GetSessionInfo, C_GetSlotInfo, C_GetMechanismInfo)
    public static final long CKA_VALUE = 0x11L;
    public static final long CKA_CERTIFICATE_TYPE = 0x80L;
    public static final long CKA_ISSUER = 0x81L;
    public static final long CKA_SERIAL_NUMBER = 0x82L;
    public static final long CKA_TRUSTED = 0x86L;
    public static final long CKA_CERTIFICATE_CATEGORY = 0x87L;
    public static final long CKA_SUBJECT = 0x101L;
    public static final long CKA_MODIFIABLE = 0x170L;
    public static final long CKA_ALWAYS_AUTHENTICATE = 0x202L;
    public static final long CKA_ENCRYPT = 0x104L;
    public static final long CKA_DECRYPT = 0x105L;
    public static final long CKA_WRAP = 0x106L;
    public static final long CKA_UNWRAP = 0x107L;
    public static final long CKA_SIGN_RECOVER = 0x109L;
    public static final long CKA_VERIFY_RECOVER = 0x10BL;
    public static final long CKA_DERIVE = 0x10CL;
    public static final long CKO_CERTIFICATE = 0x1L;
    public static final long CKC_X_509 = 0x0L;
    public static final long CKU_CONTEXT_SPECIFIC = 2L;
    public static final long CKF_TOKEN_PRESENT = 0x1L;
    public static final long CKF_RW_SESSION = 0x2L;
    public static final long CKF_SERIAL_SESSION = 0x4L;
    public static final long CKS_RO_PUBLIC_SESSION = 0L;
    public static final long CKS_RO_USER_FUNCTIONS = 1L;
    public static final long CKS_RW_PUBLIC_SESSION = 2L;
    public static final long CKS_RW_USER_FUNCTIONS = 3L;
    public static final long CKS_RW_SO_FUNCTIONS = 4L;
    public static final long CKF_HW = 0x1L;
    public static final long CKF_SIGN = 0x800L;
    public static final long CKF_EC_F_P = 0x100000L;
    public static final long CKF_EC_NAMEDCURVE = 0x800000L;
    public static final long CKF_EC_UNCOMPRESS = 0x1000000L;
}
