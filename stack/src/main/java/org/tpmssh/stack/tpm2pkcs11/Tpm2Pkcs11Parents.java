package org.tpmssh.stack.tpm2pkcs11;

import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Whether a key of ours can be linked into a tpm2-pkcs11 store, decided from the two parents alone, since a
 * key loads only under its own.
 */
public final class Tpm2Pkcs11Parents {
    /** tpm2-pkcs11's transient template that equals tpm2-tss-engine's (and so our legacy) ECC SRK. */
    public static final String TSS2_ENGINE_TEMPLATE = "tss2-engine-key";

    private Tpm2Pkcs11Parents() {
    }

    /** The answer, with a sentence that names both parents. */
    public record Verdict(boolean linkable, String reason) {
    }

    /**
     * Linkable only into a store whose primary is transient from "tss2-engine-key" (on a TPM with
     * ECC, tpm2-pkcs11 then makes exactly {@link Templates#srkEccTss2Legacy()}) from a key of ours
     * under that same SRK, exported with parent 0x40000001, which tpm2_ptool link accepts for
     * transient primaries. A persistent primary (tpm2_ptool init's default) only takes TSS2 files
     * whose parent is that persistent handle, which none of our keys has.
     */
    public static Verdict check(Tpm2Pkcs11Primary primary, TpmtPublic ourSrkTemplate) {
        String both = "tpm2-pkcs11 primary: " + primary.describe() + "; ours: " + ours(ourSrkTemplate);
        if (!primary.transientPrimary()) {
            return new Verdict(false, both + ". tpm2_ptool link takes only keys whose parent is that persistent"
                    + " handle, and a TPM key cannot change its parent (fixedParent): create the key in tpm2-pkcs11"
                    + " (tpm2_ptool addkey) or use a store made with --transient-parent=" + TSS2_ENGINE_TEMPLATE);
        }
        if (TSS2_ENGINE_TEMPLATE.equals(primary.templateName())
                && ourSrkTemplate.equals(Templates.srkEccTss2Legacy())) {
            return new Verdict(true, both + ": the same ECC P-256 SRK (on a TPM with ECC), so the key links");
        }
        return new Verdict(false, both + ". These are different storage keys, so the key would not load there;"
                + " only keys under the empty-unique ECC SRK link, into a store made with --transient-parent="
                + TSS2_ENGINE_TEMPLATE);
    }

    /** Our SRK template by name. */
    public static String ours(TpmtPublic t) {
        if (t.equals(Templates.srkEccH2())) {
            return "H-2 ECC SRK (TCG template, zero-filled unique; TSS2 parent 0x40000001)";
        }
        if (t.equals(Templates.srkEccTss2Legacy())) {
            return "empty-unique ECC SRK (tpm2-tss-engine/tpm2-openssl template; TSS2 parent 0x40000001)";
        }
        if (t.equals(Templates.srkRsaH1())) {
            return "H-1 RSA SRK (TCG template; TSS2 parent 0x40000001 with rsaParent)";
        }
        if (t.equals(Templates.srkEcc())) {
            return "tpm2-tools default ECC SRK (no noDA; no TSS2 parent names it)";
        }
        if (t.equals(Templates.srkRsa())) {
            return "tpm2-tools default RSA SRK (no noDA; no TSS2 parent names it)";
        }
        return Tpm2Pkcs11Primary.template(t);
    }
}
