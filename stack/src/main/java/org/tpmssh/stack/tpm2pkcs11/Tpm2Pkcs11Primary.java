package org.tpmssh.stack.tpm2pkcs11;

import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.ObjectAttributes;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * One row of tpm2-pkcs11's {@code pobjects}: the storage key its tokens' keys are children of, persistent or
 * re-created from a named template.
 *
 * @param persistentHandle the TPM handle (0x81xxxxxx) when persistent, else null
 * @param publicArea       the persistent key's public area, from the stored ESYS_TR; null when transient
 * @param hasAuth          whether the primary has an authValue (the value itself is never kept here)
 */
public record Tpm2Pkcs11Primary(int id, String hierarchy, boolean transientPrimary, String templateName,
        Integer persistentHandle, TpmtPublic publicArea, boolean hasAuth) {

    /** One line for people: which key this is, and which template it was made from when we can tell. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (transientPrimary) {
            b.append("transient primary from template '").append(templateName).append("'");
        } else {
            b.append("persistent primary 0x").append(Integer.toHexString(persistentHandle));
            if (publicArea != null) {
                b.append(", ").append(template(publicArea));
            }
        }
        return b.toString();
    }

    /**
     * Names the template behind a storage key's public area. The unique field of a created key is
     * its public key, not the template's, so H-2 and its empty-unique twin cannot be told apart here.
     */
    public static String template(TpmtPublic p) {
        TpmtPublic sameShape = p.isEcc()
                ? new TpmtPublic(p.type(), p.nameAlg(), p.attributes(), p.authPolicy(), p.parms(),
                        Templates.srkEcc().unique())
                : new TpmtPublic(p.type(), p.nameAlg(), p.attributes(), p.authPolicy(), p.parms(),
                        Templates.srkRsa().unique());
        if (sameShape.equals(Templates.srkRsa())) {
            return "RSA-2048 storage key, tpm2-tools default template (tpm2_createprimary -G rsa; no noDA)";
        }
        if (sameShape.equals(Templates.srkEcc())) {
            return "ECC P-256 storage key, tpm2-tools default template (tpm2_createprimary -G ecc; no noDA)";
        }
        boolean noDa = (p.attributes() & ObjectAttributes.NO_DA) != 0;
        if (noDa && p.isEcc() && p.parms().equals(Templates.srkEccH2().parms())) {
            return "ECC P-256 storage key, TCG H-2 attributes (noDA)";
        }
        if (noDa && !p.isEcc() && p.parms().equals(Templates.srkRsaH1().parms())) {
            return "RSA-2048 storage key, TCG H-1 attributes (noDA)";
        }
        return (p.isEcc() ? "ECC" : p.type() == Alg.RSA ? "RSA" : "type 0x" + Integer.toHexString(p.type()))
                + " storage key of an unrecognised template (attributes 0x" + Integer.toHexString(p.attributes())
                + ")";
    }
}
