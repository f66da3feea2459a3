package org.tpmssh.stack.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * The storage key a token's objects live under, as written in token.json: the one place that maps a
 * kind to its primary template and says which TSS2 loaders derive the same parent (docs/key-import.md).
 */
public enum ParentKind {
    /** ECC P-256, x and y of 32 zero bytes in unique: go-tpm's ECCSRKTemplate; the default. */
    ECC("ecc", 1, "tpmssh and ssh-tpm-agent 0.4 and older, not in tpm2-openssl or ssh-tpm-agent 0.5 and later"),
    /** RSA-2048, 256 zero bytes in unique; a TSS2 file marks it with rsaParent. */
    RSA("rsa", 1, "tpmssh only: tpm2-openssl and ssh-tpm-agent ignore rsaParent"),
    /** ECC P-256 with an empty unique: the draft's H-2, which tpm2-openssl and ssh-tpm-agent 0.5+ make. */
    ECC_TSS2("ecc-tss2", 2, "tpmssh, tpm2-openssl 1.x and ssh-tpm-agent 0.5 and later");

    private final String json;
    private final int storeVersion;
    private final String loaders;

    ParentKind(String json, int storeVersion, String loaders) {
        this.json = json;
        this.storeVersion = storeVersion;
        this.loaders = loaders;
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
        throw new IllegalArgumentException("unknown parent kind '" + s + "' (expected " + names(", ") + ")");
    }

    /** The kinds' names joined, e.g. for a usage message: {@code ecc, rsa, ecc-tss2}. */
    public static String names(String separator) {
        return Arrays.stream(values()).map(ParentKind::json).collect(Collectors.joining(separator));
    }

    /**
     * The store format version that first knew this kind: a store holding such a token is marked with
     * it, so that an older tpmssh refuses the store by its version instead of calling the token malformed.
     */
    public int storeVersion() {
        return storeVersion;
    }

    /**
     * The primary template the TPM recreates this parent from. All three are noDA, so a session bound
     * to them does not make noDA keys count toward lockout, and all are what a TSS2 file's parent
     * 0x40000001 may mean; which loader derives which is {@link #tpm2OpensslLoads()} and docs/key-import.md.
     */
    public TpmtPublic template() {
        return switch (this) {
            case ECC -> Templates.srkEccH2();
            case RSA -> Templates.srkRsaH1();
            case ECC_TSS2 -> Templates.srkEccTss2Legacy();
        };
    }

    /**
     * True when tpm2-openssl (1.1.1 in Debian 12, unchanged to 1.3) derives this parent for a TSS2 file,
     * so a key exported from such a token signs there. It always makes the empty-unique ECC SRK (RSA only
     * on a TPM without ECC) and ignores rsaParent; measured in KeyExportTpm2OpensslTest.
     */
    public boolean tpm2OpensslLoads() {
        return this == ECC_TSS2;
    }

    /**
     * Which programs load a TSS2 file naming this parent, e.g. "tpmssh only: …". tpm2-openssl is
     * measured; ssh-tpm-agent is read from its source (go-tpm-keyfiles' CreateSRK), not run here.
     */
    public String loaders() {
        return loaders;
    }
}
