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

    /** The primary template the TPM recreates this parent from. */
    public TpmtPublic template() {
        return this == ECC ? Templates.srkEcc() : Templates.srkRsa();
    }
}
