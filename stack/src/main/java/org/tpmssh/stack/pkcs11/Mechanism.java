package org.tpmssh.stack.pkcs11;

/**
 * CK_MECHANISM: a mechanism type and, for CKM_RSA_PKCS_PSS, its CK_RSA_PKCS_PSS_PARAMS
 * (hashAlg, mgf, sLen); the PSS fields are 0 for every other mechanism.
 */
public record Mechanism(long type, long pssHashAlg, long pssMgf, long pssSaltLen) {
    public static Mechanism of(long type) {
        return new Mechanism(type, 0, 0, 0);
    }

    public static Mechanism pss(long hashAlg, long mgf, long saltLen) {
        return new Mechanism(Ck.CKM_RSA_PKCS_PSS, hashAlg, mgf, saltLen);
    }
}
