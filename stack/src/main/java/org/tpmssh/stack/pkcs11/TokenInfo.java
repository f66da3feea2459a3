package org.tpmssh.stack.pkcs11;

/** CK_TOKEN_INFO, the parts tpmssh fills: label, flags (Ck.CKF_*), and the TPM's DA state behind them. */
public record TokenInfo(String label, long flags, int lockoutCounter, int maxAuthFail, boolean inLockout) {
    public boolean has(long flag) {
        return (flags & flag) == flag;
    }
}
