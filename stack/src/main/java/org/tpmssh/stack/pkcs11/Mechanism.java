package org.tpmssh.stack.pkcs11;

/** CK_MECHANISM: a mechanism type and, for CKM_RSA_PKCS_PSS only, its hashAlg, mgf and sLen (0 otherwise). */
public record Mechanism(long type, long pssHashAlg, long pssMgf, long pssSaltLen) {
    public static Mechanism of(long type) {
        return new Mechanism(type, 0, 0, 0);
    }

    public static Mechanism pss(long hashAlg, long mgf, long saltLen) {
        return new Mechanism(Ck.CKM_RSA_PKCS_PSS, hashAlg, mgf, saltLen);
    }
}
