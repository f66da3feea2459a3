package org.tpmssh.tpm.structures;

/** Permanent handles and handle-range helpers (TPM_RH, TPM_HT). */
public final class Handles {
    private Handles() {
    }

    public static final int RH_OWNER = 0x40000001;
    public static final int RH_NULL = 0x40000007;
    public static final int RS_PW = 0x40000009;
    public static final int RH_LOCKOUT = 0x4000000A;
    public static final int RH_ENDORSEMENT = 0x4000000B;
    public static final int RH_PLATFORM = 0x4000000C;

    public static final int HT_TRANSIENT = 0x80;
    public static final int HT_PERSISTENT = 0x81;
    public static final int HT_HMAC_SESSION = 0x02;
    public static final int HT_POLICY_SESSION = 0x03;

    public static final int TRANSIENT_FIRST = 0x80000000;
    public static final int PERSISTENT_FIRST = 0x81000000;
    /** Where GetCapability(TPM_CAP_HANDLES) starts listing loaded sessions (TPM_HT_LOADED_SESSION). */
    public static final int LOADED_SESSION_FIRST = 0x02000000;

    public static int type(int handle) {
        return handle >>> 24;
    }

    /**
     * The Name of an entity whose Name is its handle: permanent handles and sessions.
     * Objects have a Name computed from their public area instead.
     */
    public static byte[] handleName(int handle) {
        return new byte[] {(byte) (handle >>> 24), (byte) (handle >>> 16), (byte) (handle >>> 8), (byte) handle};
    }

    public static String hex(int handle) {
        return String.format("0x%08x", handle);
    }
}
