package org.tpmssh.stack.p11kit;

import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Mechanism;

/** A CK_MECHANISM as read from the wire: its type, whether it carried parameters, and the PSS ones. */
record RpcMechanism(long type, boolean hasParameters, long pssHashAlg, long pssMgf, long pssSaltLen) {
    static final long RSA_PKCS_PSS = Ck.CKM_RSA_PKCS_PSS;
    static final long RSA_PKCS_OAEP = 0x9L;

    static RpcMechanism pss(long hashAlg, long mgf, long saltLen) {
        return new RpcMechanism(RSA_PKCS_PSS, true, hashAlg, mgf, saltLen);
    }

    /** The model's mechanism; parameters on a mechanism that takes none are {@code null} (the caller refuses them). */
    Mechanism toModel() {
        if (type == RSA_PKCS_PSS) {
            return Mechanism.pss(pssHashAlg, pssMgf, pssSaltLen);
        }
        return hasParameters ? null : Mechanism.of(type);
    }
}
