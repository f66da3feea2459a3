package org.tpmssh.stack.pkcs11;

import java.util.List;
import java.util.Optional;

/**
 * CK_MECHANISM_INFO of the mechanisms a tpmssh token signs with (C_GetMechanismList and
 * C_GetMechanismInfo): key sizes in bits and CKF_ flags. {@link Session#signInit} accepts these.
 */
public record MechanismInfo(long type, long minKeyBits, long maxKeyBits, long flags) {
    private static final long EC = Ck.CKF_HW | Ck.CKF_SIGN | Ck.CKF_EC_F_P | Ck.CKF_EC_NAMEDCURVE
            | Ck.CKF_EC_UNCOMPRESS;
    private static final long RSA = Ck.CKF_HW | Ck.CKF_SIGN;

    private static final List<MechanismInfo> SIGNING = List.of(
            new MechanismInfo(Ck.CKM_ECDSA, 256, 521, EC),
            new MechanismInfo(Ck.CKM_ECDSA_SHA256, 256, 521, EC),
            new MechanismInfo(Ck.CKM_ECDSA_SHA384, 256, 521, EC),
            new MechanismInfo(Ck.CKM_ECDSA_SHA512, 256, 521, EC),
            new MechanismInfo(Ck.CKM_RSA_PKCS, 2048, 3072, RSA),
            new MechanismInfo(Ck.CKM_SHA256_RSA_PKCS, 2048, 3072, RSA),
            new MechanismInfo(Ck.CKM_SHA384_RSA_PKCS, 2048, 3072, RSA),
            new MechanismInfo(Ck.CKM_SHA512_RSA_PKCS, 2048, 3072, RSA),
            new MechanismInfo(Ck.CKM_RSA_PKCS_PSS, 2048, 3072, RSA));

    /** Every mechanism, in the order C_GetMechanismList gives them. */
    public static List<MechanismInfo> signing() {
        return SIGNING;
    }

    public static Optional<MechanismInfo> of(long type) {
        return SIGNING.stream().filter(m -> m.type == type).findFirst();
    }
}
