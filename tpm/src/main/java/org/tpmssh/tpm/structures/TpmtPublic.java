package org.tpmssh.tpm.structures;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import org.tpmssh.tpm.marshal.Marshallable;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.marshal.TpmWriter;

/**
 * TPMT_PUBLIC for the RSA and ECC objects we create and load: a template before creation,
 * the public area after. Its Name is nameAlg || H(marshalled area).
 */
public record TpmtPublic(int type, int nameAlg, int attributes, byte[] authPolicy, Parms parms, Unique unique)
        implements Marshallable {

    /** TPMT_SYM_DEF_OBJECT. */
    public record SymDef(int alg, int keyBits, int mode) {
        public static final SymDef NULL = new SymDef(Alg.NULL, 0, 0);
        public static final SymDef AES128_CFB = new SymDef(Alg.AES, 128, Alg.CFB);

        void marshal(TpmWriter w) {
            w.u16(alg);
            if (alg != Alg.NULL) {
                w.u16(keyBits).u16(mode);
            }
        }

        static SymDef read(TpmReader r) throws TpmFormatException {
            int alg = r.u16();
            return alg == Alg.NULL ? NULL : new SymDef(alg, r.u16(), r.u16());
        }
    }

    /** A scheme with one hash: TPMT_RSA_SCHEME, TPMT_ECC_SCHEME (not ECDAA), TPMT_KDF_SCHEME. */
    public record Scheme(int alg, int hash) {
        public static final Scheme NULL = new Scheme(Alg.NULL, 0);

        void marshal(TpmWriter w) {
            w.u16(alg);
            if (alg != Alg.NULL) {
                w.u16(hash);
            }
        }

        static Scheme read(TpmReader r) throws TpmFormatException {
            int alg = r.u16();
            if (alg == Alg.NULL) {
                return NULL;
            }
            if (alg == 0x001A) { // ECDAA carries a count as well
                throw new TpmFormatException("ECDAA keys are not supported");
            }
            return new Scheme(alg, r.u16());
        }
    }

    /** TPMU_PUBLIC_PARMS for the two types we handle. */
    public sealed interface Parms permits RsaParms, EccParms, KeyedHashParms {
        void marshal(TpmWriter w);
    }

    public record RsaParms(SymDef symmetric, Scheme scheme, int keyBits, int exponent) implements Parms {
        @Override
        public void marshal(TpmWriter w) {
            symmetric.marshal(w);
            scheme.marshal(w);
            w.u16(keyBits).u32(exponent);
        }
    }

    public record EccParms(SymDef symmetric, Scheme scheme, int curve, Scheme kdf) implements Parms {
        @Override
        public void marshal(TpmWriter w) {
            symmetric.marshal(w);
            scheme.marshal(w);
            w.u16(curve);
            kdf.marshal(w);
        }
    }

    /** TPMS_KEYEDHASH_PARMS with a NULL scheme: a sealed data object, which only TPM2_Unseal opens. */
    public record KeyedHashParms() implements Parms {
        @Override
        public void marshal(TpmWriter w) {
            w.u16(Alg.NULL);
        }
    }

    /** TPMU_PUBLIC_ID for the types we handle. */
    public sealed interface Unique permits RsaUnique, EccPoint, KeyedHashUnique {
        void marshal(TpmWriter w);
    }

    public record RsaUnique(byte[] modulus) implements Unique {
        @Override
        public void marshal(TpmWriter w) {
            w.tpm2b(modulus);
        }
    }

    /** The keyedhash unique field: a digest the TPM computes from the seed and the sealed data. */
    public record KeyedHashUnique(byte[] digest) implements Unique {
        @Override
        public void marshal(TpmWriter w) {
            w.tpm2b(digest);
        }
    }

    /** TPMS_ECC_POINT. */
    public record EccPoint(byte[] x, byte[] y) implements Unique {
        public static final EccPoint EMPTY = new EccPoint(new byte[0], new byte[0]);

        @Override
        public void marshal(TpmWriter w) {
            w.tpm2b(x).tpm2b(y);
        }

        public static EccPoint read(TpmReader r) throws TpmFormatException {
            return new EccPoint(r.tpm2b(), r.tpm2b());
        }
    }

    @Override
    public void marshal(TpmWriter w) {
        w.u16(type).u16(nameAlg).u32(attributes).tpm2b(authPolicy);
        parms.marshal(w);
        unique.marshal(w);
    }


    public static TpmtPublic read(TpmReader r) throws TpmFormatException {
        int type = r.u16();
        int nameAlg = r.u16();
        if (!Alg.isHash(nameAlg)) {
            // Its Name could not be computed, so no command could refer to the object.
            throw new TpmFormatException("unsupported name algorithm 0x" + Integer.toHexString(nameAlg)
                    + " in a public area");
        }
        int attributes = r.u32();
        byte[] policy = r.tpm2b();
        if (type == Alg.RSA) {
            RsaParms p = new RsaParms(SymDef.read(r), Scheme.read(r), r.u16(), r.u32());
            return new TpmtPublic(type, nameAlg, attributes, policy, p, new RsaUnique(r.tpm2b()));
        }
        if (type == Alg.ECC) {
            EccParms p = new EccParms(SymDef.read(r), Scheme.read(r), r.u16(), Scheme.read(r));
            if (!Alg.isCurve(p.curve())) {
                throw new TpmFormatException("unsupported ECC curve 0x" + Integer.toHexString(p.curve())
                        + " in a public area");
            }
            return new TpmtPublic(type, nameAlg, attributes, policy, p, EccPoint.read(r));
        }
        if (type == Alg.KEYEDHASH) {
            int scheme = r.u16();
            if (scheme != Alg.NULL) {
                throw new TpmFormatException("only sealed-data keyedhash objects (NULL scheme) are supported");
            }
            return new TpmtPublic(type, nameAlg, attributes, policy, new KeyedHashParms(),
                    new KeyedHashUnique(r.tpm2b()));
        }
        throw new TpmFormatException("unsupported public area type 0x" + Integer.toHexString(type));
    }

    /** Reads a TPM2B_PUBLIC. */
    public static TpmtPublic readSized(TpmReader r) throws TpmFormatException {
        TpmReader body = r.sized();
        TpmtPublic p = read(body);
        body.expectEnd("TPMT_PUBLIC");
        return p;
    }

    public static TpmtPublic fromBytes(byte[] tpmtPublic) throws TpmFormatException {
        TpmReader r = new TpmReader(tpmtPublic);
        TpmtPublic p = read(r);
        r.expectEnd("TPMT_PUBLIC");
        return p;
    }

    /** The object's Name: nameAlg || H_nameAlg(TPMT_PUBLIC). */
    public byte[] name() {
        byte[] digest = Alg.hash(nameAlg, toBytes());
        byte[] name = new byte[2 + digest.length];
        name[0] = (byte) (nameAlg >>> 8);
        name[1] = (byte) nameAlg;
        System.arraycopy(digest, 0, name, 2, digest.length);
        return name;
    }



    public boolean isEcc() {
        return type == Alg.ECC;
    }

    public EccParms eccParms() {
        return (EccParms) parms;
    }

    public RsaParms rsaParms() {
        return (RsaParms) parms;
    }

    /** The public key as a JCA key, for independent verification and for SSH encoding. */
    public PublicKey toPublicKey() throws TpmFormatException {
        try {
            if (type == Alg.RSA) {
                RsaParms p = rsaParms();
                BigInteger e = BigInteger.valueOf(p.exponent() == 0 ? 65537 : p.exponent() & 0xFFFFFFFFL);
                BigInteger n = new BigInteger(1, ((RsaUnique) unique).modulus());
                return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
            }
            EccPoint pt = (EccPoint) unique;
            ECParameterSpec spec = ecSpec(eccParms().curve());
            ECPoint w = new ECPoint(new BigInteger(1, pt.x()), new BigInteger(1, pt.y()));
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
        } catch (GeneralSecurityException e) {
            throw new TpmFormatException("the TPM returned a public key the JDK rejects: " + e.getMessage());
        }
    }

    public static ECParameterSpec ecSpec(int curve) throws GeneralSecurityException {
        AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
        ap.init(new ECGenParameterSpec(Alg.curveName(curve)));
        return ap.getParameterSpec(ECParameterSpec.class);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TpmtPublic other && Arrays.equals(toBytes(), other.toBytes());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(toBytes());
    }

    @Override
    public String toString() {
        return "TpmtPublic[type=0x" + Integer.toHexString(type) + ", attributes=0x" + Integer.toHexString(attributes) + "]";
    }
}
