package org.tpmssh.tpm.structures;

/** TPMA_OBJECT bits. */
public final class ObjectAttributes {
    private ObjectAttributes() {
    }

    public static final int FIXED_TPM = 1 << 1;
    public static final int ST_CLEAR = 1 << 2;
    public static final int FIXED_PARENT = 1 << 4;
    public static final int SENSITIVE_DATA_ORIGIN = 1 << 5;
    public static final int USER_WITH_AUTH = 1 << 6;
    public static final int ADMIN_WITH_POLICY = 1 << 7;
    public static final int NO_DA = 1 << 10;
    public static final int ENCRYPTED_DUPLICATION = 1 << 11;
    public static final int RESTRICTED = 1 << 16;
    public static final int DECRYPT = 1 << 17;
    public static final int SIGN_ENCRYPT = 1 << 18;

    /** The storage-key attributes that tpm2_createprimary -C o uses: 0x00030072. */
    public static final int SRK = FIXED_TPM | FIXED_PARENT | SENSITIVE_DATA_ORIGIN | USER_WITH_AUTH
            | RESTRICTED | DECRYPT;

    /** Non-extractable signing key created in the TPM. */
    public static final int SIGNING_KEY = FIXED_TPM | FIXED_PARENT | SENSITIVE_DATA_ORIGIN | USER_WITH_AUTH
            | SIGN_ENCRYPT;
}
