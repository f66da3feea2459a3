package org.tpmssh.tpm;

import java.util.HashMap;
import java.util.Map;

/** TPM_RC decoding: base codes, names and a human description (TPM 2.0 Part 2, 6.6). */
public final class ResponseCodes {
    private ResponseCodes() {
    }

    public static final int SUCCESS = 0x000;
    public static final int INITIALIZE = 0x100;
    public static final int FAILURE = 0x101;
    public static final int AUTH_MISSING = 0x125;
    public static final int HANDLE = 0x08B;
    public static final int VALUE = 0x084;
    public static final int CURVE = 0x0A6;
    public static final int KEY_SIZE = 0x087;
    public static final int SCHEME = 0x092;
    public static final int AUTH_FAIL = 0x08E;
    public static final int BAD_AUTH = 0x0A2;
    public static final int INTEGRITY = 0x09F;
    public static final int OBJECT_MEMORY = 0x902;
    public static final int SESSION_MEMORY = 0x903;
    public static final int OBJECT_HANDLES = 0x906;
    public static final int YIELDED = 0x908;
    public static final int TESTING = 0x90A;
    public static final int LOCKOUT = 0x921;
    public static final int RETRY = 0x922;
    public static final int NV_RATE = 0x920;
    public static final int REFERENCE_H0 = 0x910;
    public static final int REFERENCE_S0 = 0x918;
    public static final int CONTEXT_GAP = 0x901;

    private static final int FMT1 = 0x080;
    private static final Map<Integer, String> NAMES = new HashMap<>();

    static {
        String[] fmt1 = {
            "081 ASYMMETRIC", "082 ATTRIBUTES", "083 HASH", "084 VALUE", "085 HIERARCHY", "087 KEY_SIZE",
            "088 MGF", "089 MODE", "08A TYPE", "08B HANDLE", "08C KDF", "08D RANGE", "08E AUTH_FAIL",
            "08F NONCE", "090 PP", "092 SCHEME", "095 SIZE", "096 SYMMETRIC", "097 TAG", "098 SELECTOR",
            "09A INSUFFICIENT", "09B SIGNATURE", "09C KEY", "09D POLICY_FAIL", "09F INTEGRITY", "0A0 TICKET",
            "0A1 RESERVED_BITS", "0A2 BAD_AUTH", "0A3 EXPIRED", "0A4 POLICY_CC", "0A5 BINDING", "0A6 CURVE",
            "0A7 ECC_POINT",
            "000 SUCCESS", "01E BAD_TAG",
            "100 INITIALIZE", "101 FAILURE", "103 SEQUENCE", "10B PRIVATE", "119 HMAC", "120 DISABLED",
            "121 EXCLUSIVE", "124 AUTH_TYPE", "125 AUTH_MISSING", "126 POLICY", "127 PCR", "128 PCR_CHANGED",
            "12D UPGRADE", "12E TOO_MANY_CONTEXTS", "12F AUTH_UNAVAILABLE", "130 REBOOT", "131 UNBALANCED",
            "142 COMMAND_SIZE", "143 COMMAND_CODE", "144 AUTHSIZE", "145 AUTH_CONTEXT", "146 NV_RANGE",
            "147 NV_SIZE", "148 NV_LOCKED", "149 NV_AUTHORIZATION", "14A NV_UNINITIALIZED", "14B NV_SPACE",
            "14C NV_DEFINED", "150 BAD_CONTEXT", "151 CPHASH", "152 PARENT", "153 NEEDS_TEST", "154 NO_RESULT",
            "155 SENSITIVE",
            "901 CONTEXT_GAP", "902 OBJECT_MEMORY", "903 SESSION_MEMORY", "904 MEMORY", "905 SESSION_HANDLES",
            "906 OBJECT_HANDLES", "907 LOCALITY", "908 YIELDED", "909 CANCELED", "90A TESTING", "920 NV_RATE",
            "921 LOCKOUT", "922 RETRY", "923 NV_UNAVAILABLE",
        };
        for (String e : fmt1) {
            NAMES.put(Integer.parseInt(e.substring(0, 3), 16), "TPM_RC_" + e.substring(4));
        }
        for (int i = 0; i <= 6; i++) {
            NAMES.put(0x910 + i, "TPM_RC_REFERENCE_H" + i);
            NAMES.put(0x918 + i, "TPM_RC_REFERENCE_S" + i);
        }
    }

    /** Strips the parameter, handle or session number from a format-one code. */
    public static int base(int rc) {
        if ((rc & FMT1) != 0) {
            return rc & 0x0BF;
        }
        return rc & 0xFFF;
    }

    /**
     * A handle the command named refers to no loaded object, or not the one expected: it was flushed by another
     * client (tpm2_flushcontext -t), or the TPM restarted.
     */
    public static boolean staleHandle(int rc) {
        int b = base(rc);
        if (b >= REFERENCE_H0 && b <= REFERENCE_H0 + 6) {
            return true;
        }
        boolean onHandle = (rc & FMT1) != 0 && (rc & 0x040) == 0 && (rc & 0x800) == 0 && ((rc >>> 8) & 0x7) != 0;
        return onHandle && (b == HANDLE || b == VALUE);
    }

    /** A session the command named is gone (flushed by another client, or the TPM restarted). */
    public static boolean staleSession(int rc) {
        int b = base(rc);
        if (b >= REFERENCE_S0 && b <= REFERENCE_S0 + 6) {
            return true;
        }
        boolean onSession = (rc & FMT1) != 0 && (rc & 0x040) == 0 && (rc & 0x800) != 0;
        return onSession && (b == HANDLE || b == VALUE);
    }

    public static String name(int rc) {
        String n = NAMES.get(base(rc));
        return n != null ? n : String.format("TPM_RC_0x%03X", rc);
    }

    /** Which parameter, handle or session a format-one code points at, or "" when none. */
    static String where(int rc) {
        if ((rc & FMT1) == 0) {
            return "";
        }
        int n = (rc >>> 8) & 0xF;
        if ((rc & 0x040) != 0) {
            return " (parameter " + n + ")";
        }
        if ((rc & 0x800) != 0) {
            return " (session " + (n & 0x7) + ")";
        }
        return n == 0 ? "" : " (handle " + n + ")";
    }

    static String describe(int cc, int rc) {
        String base = String.format("TPM command 0x%08X failed with %s (0x%03X)%s", cc, name(rc), rc, where(rc));
        switch (base(rc)) {
            case AUTH_FAIL:
                return base + ": wrong PIN or authorization value; the TPM counts this toward dictionary-attack lockout";
            case BAD_AUTH:
                if (cc == 0x00000131) { // TPM2_CreatePrimary: the hierarchy's own authorization
                    return base + ": the owner hierarchy has an authorization value set; tpmssh creates its"
                            + " storage key under the owner hierarchy and needs that authorization";
                }
                return base + ": wrong PIN or authorization value";
            case LOCKOUT:
                return base + ": the TPM is in dictionary-attack lockout; wait for the recovery time or reset it with the lockout authorization";
            case OBJECT_MEMORY:
                return base + ": the TPM has no free object slots; another client left objects loaded"
                        + " (flush them with `tpm2_flushcontext -t`) or use a resource manager such as /dev/tpmrm0";
            case SESSION_MEMORY:
                return base + ": the TPM has no free session slots; other programs, or killed ones, left sessions"
                        + " loaded, and nothing tells whose a session is, so tpmssh leaves them alone. Once those"
                        + " programs are gone, free them with `tpm2_flushcontext -l`, or share the TPM through a"
                        + " resource manager such as /dev/tpmrm0 or tpm2-abrmd";
            case INITIALIZE:
                return base + ": the TPM has not been started; send TPM2_Startup or restart the simulator";
            case NV_RATE:
                return base + ": the TPM is rate-limiting writes to its non-volatile memory (it does so after"
                        + " authorization failures or many NV updates); wait a few seconds and try again";
            case RETRY:
            case YIELDED:
            case TESTING:
                return base + ": the TPM stayed busy through every retry; try again in a moment, and if it persists"
                        + " check whether another program keeps the TPM busy or its self-test failed";
            default:
                return base;
        }
    }
}
