package org.tpmssh.stack.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * The storage key a token's objects live under, as written in token.json. This is the one place
 * that maps a kind to its primary template, so the SRK templates can be changed here alone.
 */
public enum ParentKind {
    ECC("ecc"), RSA("rsa");

    private final String json;

    ParentKind(String json) {
        this.json = json;
    }

    @JsonValue
    public String json() {
        return json;
    }

    @JsonCreator
    public static ParentKind of(String s) {
        for (ParentKind k : values()) {
            if (k.json.equals(s)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown parent kind '" + s + "' (expected ecc or rsa)");
    }

    /**
     * The primary template the TPM recreates this parent from: the TCG provisioning guidance's H-2
     * (ECC P-256) or H-1 (RSA-2048) SRK, which is what a TSS2 key file's parent 0x40000001 means. So
     * an exported key file names its parent exactly, and go-tpm/ssh-tpm-agent derive the same SRK.
     * Both are noDA, so a session bound to them does not make noDA keys count toward lockout.
     */
    public TpmtPublic template() {
        return this == ECC ? Templates.srkEccH2() : Templates.srkRsaH1();
    }
}
