package org.tpmssh.tpm.crosscheck;

import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_NULL_ASYM_SCHEME;
import tss.tpm.TPMS_NULL_KDF_SCHEME;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;

/**
 * Our templates written again with TSS.Java's own types and the spec's named constants, never
 * from our {@code Templates} values, so that agreement between the two means something.
 */
final class TssTemplates {
    private static final byte[] EMPTY = new byte[0];

    private TssTemplates() {
    }

    /** tpm2_createprimary -C o -G ecc: ECC P-256 storage key with AES-128-CFB. */
    static TPMT_PUBLIC srkEcc() {
        return ecc(storage(), aes128Cfb(), TPM_ECC_CURVE.NIST_P256);
    }

    /** tpm2_createprimary -C o -G rsa: RSA-2048 storage key with AES-128-CFB. */
    static TPMT_PUBLIC srkRsa() {
        return rsa(storage(), aes128Cfb(), 2048);
    }

    static TPMT_PUBLIC eccSigningKey(TPM_ECC_CURVE curve, boolean noDa) {
        return ecc(signing(noDa), new TPMT_SYM_DEF_OBJECT(), curve);
    }

    static TPMT_PUBLIC rsaSigningKey(int bits, boolean noDa) {
        return rsa(signing(noDa), new TPMT_SYM_DEF_OBJECT(), bits);
    }

    private static TPMA_OBJECT storage() {
        return new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.userWithAuth, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt);
    }

    private static TPMA_OBJECT signing(boolean noDa) {
        TPMA_OBJECT a = new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent,
                TPMA_OBJECT.sensitiveDataOrigin, TPMA_OBJECT.userWithAuth, TPMA_OBJECT.sign);
        return noDa ? new TPMA_OBJECT(a, TPMA_OBJECT.noDA) : a;
    }

    private static TPMT_SYM_DEF_OBJECT aes128Cfb() {
        return new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB);
    }

    private static TPMT_PUBLIC ecc(TPMA_OBJECT attrs, TPMT_SYM_DEF_OBJECT sym, TPM_ECC_CURVE curve) {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, attrs, EMPTY,
                new TPMS_ECC_PARMS(sym, new TPMS_NULL_ASYM_SCHEME(), curve, new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT(EMPTY, EMPTY));
    }

    private static TPMT_PUBLIC rsa(TPMA_OBJECT attrs, TPMT_SYM_DEF_OBJECT sym, int bits) {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, attrs, EMPTY,
                new TPMS_RSA_PARMS(sym, new TPMS_NULL_ASYM_SCHEME(), bits, 0), new TPM2B_PUBLIC_KEY_RSA(EMPTY));
    }
}
