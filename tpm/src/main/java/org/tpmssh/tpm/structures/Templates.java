package org.tpmssh.tpm.structures;

import org.tpmssh.tpm.structures.TpmtPublic.EccParms;
import org.tpmssh.tpm.structures.TpmtPublic.EccPoint;
import org.tpmssh.tpm.structures.TpmtPublic.RsaParms;
import org.tpmssh.tpm.structures.TpmtPublic.RsaUnique;
import org.tpmssh.tpm.structures.TpmtPublic.Scheme;
import org.tpmssh.tpm.structures.TpmtPublic.SymDef;

/**
 * The object templates we use. The storage keys are byte for byte what
 * {@code tpm2_createprimary -C o -G ecc|rsa} sends, so the SRK's Name matches tpm2-tools'.
 */
public final class Templates {
    private Templates() {
    }

    private static final byte[] EMPTY = new byte[0];

    /** ECC P-256 storage key: AES-128-CFB, no scheme, empty unique. */
    public static TpmtPublic srkEcc() {
        return new TpmtPublic(Alg.ECC, Alg.SHA256, ObjectAttributes.SRK, EMPTY,
                new EccParms(SymDef.AES128_CFB, Scheme.NULL, Alg.ECC_NIST_P256, Scheme.NULL), EccPoint.EMPTY);
    }

    /** RSA-2048 storage key: AES-128-CFB, no scheme, default exponent, empty unique. */
    public static TpmtPublic srkRsa() {
        return new TpmtPublic(Alg.RSA, Alg.SHA256, ObjectAttributes.SRK, EMPTY,
                new RsaParms(SymDef.AES128_CFB, Scheme.NULL, 2048, 0), new RsaUnique(EMPTY));
    }

    /**
     * ECC P-256 SRK, noDA, with x and y of 32 zero bytes in unique: go-tpm's ECCSRKTemplate (ssh-tpm-agent
     * 0.4 and older). Despite the name, the draft's H-2 for parent 0x40000001 has an empty unique:
     * {@link #srkEccTss2Legacy()} (docs/key-import.md).
     */
    public static TpmtPublic srkEccH2() {
        return new TpmtPublic(Alg.ECC, Alg.SHA256, ObjectAttributes.SRK | ObjectAttributes.NO_DA, EMPTY,
                new EccParms(SymDef.AES128_CFB, Scheme.NULL, Alg.ECC_NIST_P256, Scheme.NULL),
                new EccPoint(new byte[32], new byte[32]));
    }

    /**
     * ECC P-256 SRK, noDA, with an empty unique: the draft's H-2 for parent 0x40000001, which tpm2-openssl
     * (1.1.1 to 1.3), tpm2-tss-engine and ssh-tpm-agent 0.5+ make. A key under {@link #srkEccH2()} does
     * not load in tpm2-openssl 1.1.1 (TPM_RC_INTEGRITY); one under this does.
     */
    public static TpmtPublic srkEccTss2Legacy() {
        return new TpmtPublic(Alg.ECC, Alg.SHA256, ObjectAttributes.SRK | ObjectAttributes.NO_DA, EMPTY,
                new EccParms(SymDef.AES128_CFB, Scheme.NULL, Alg.ECC_NIST_P256, Scheme.NULL), EccPoint.EMPTY);
    }

    /** RSA-2048 SRK, noDA, 256 zero bytes of unique: what we take a TSS2 file's parent with rsaParent set to be. */
    public static TpmtPublic srkRsaH1() {
        return new TpmtPublic(Alg.RSA, Alg.SHA256, ObjectAttributes.SRK | ObjectAttributes.NO_DA, EMPTY,
                new RsaParms(SymDef.AES128_CFB, Scheme.NULL, 2048, 0), new RsaUnique(new byte[256]));
    }

    /**
     * A non-extractable ECC signing key. The scheme is left NULL so that each TPM2_Sign names
     * ECDSA and the hash; {@code noDa} is only for PIN-less keys.
     */
    public static TpmtPublic eccSigningKey(int curve, boolean noDa) {
        int attrs = ObjectAttributes.SIGNING_KEY | (noDa ? ObjectAttributes.NO_DA : 0);
        return new TpmtPublic(Alg.ECC, Alg.SHA256, attrs, EMPTY,
                new EccParms(SymDef.NULL, Scheme.NULL, curve, Scheme.NULL), EccPoint.EMPTY);
    }

    /** A non-extractable RSA signing key; the scheme is NULL so one key serves RSASSA and RSAPSS. */
    public static TpmtPublic rsaSigningKey(int bits, boolean noDa) {
        int attrs = ObjectAttributes.SIGNING_KEY | (noDa ? ObjectAttributes.NO_DA : 0);
        return new TpmtPublic(Alg.RSA, Alg.SHA256, attrs, EMPTY,
                new RsaParms(SymDef.NULL, Scheme.NULL, bits, 0), new RsaUnique(EMPTY));
    }

    /**
     * A sealed-data object (keyedhash, NULL scheme): holds caller-supplied bytes that only
     * TPM2_Unseal with its authValue returns. Not sensitiveDataOrigin (we supply the data), and
     * DA-protected unless {@code noDa}.
     */
    public static TpmtPublic sealedData(boolean noDa) {
        int attrs = ObjectAttributes.FIXED_TPM | ObjectAttributes.FIXED_PARENT | ObjectAttributes.USER_WITH_AUTH
                | (noDa ? ObjectAttributes.NO_DA : 0);
        return new TpmtPublic(Alg.KEYEDHASH, Alg.SHA256, attrs, EMPTY, new TpmtPublic.KeyedHashParms(),
                new TpmtPublic.KeyedHashUnique(EMPTY));
    }
}
