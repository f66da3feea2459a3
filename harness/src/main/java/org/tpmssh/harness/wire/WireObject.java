package org.tpmssh.harness.wire;

import java.util.Arrays;
import java.util.HexFormat;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * What the proxy learned about a TPM object from the wire: its Name (nameAlg || H(TPMT_PUBLIC), null for a
 * template, whose Name is not yet known) and its key type, so a command can be told apart by the key it uses.
 *
 * @param type the TPMI_ALG_PUBLIC (Alg.ECC, Alg.RSA, Alg.KEYEDHASH, ...)
 * @param curveOrBits the ECC curve id or the RSA key size; 0 when the public area could not be read in full
 * @param publicKey the ECC point x || y or the RSA modulus, as the TPM holds them; null when not known
 */
public record WireObject(byte[] name, int type, int curveOrBits, byte[] publicKey) {

    /** An object from its marshalled TPMT_PUBLIC, as it crosses the wire in Load, ReadPublic and others. */
    static WireObject ofPublic(byte[] tpmtPublic) {
        TpmtPublic parsed = parse(tpmtPublic);
        return new WireObject(nameOf(tpmtPublic), typeOf(tpmtPublic), detailOf(parsed), publicKeyOf(parsed));
    }

    /** A creation template (CreatePrimary, Create): its type and size, but no Name yet. */
    static WireObject ofTemplate(byte[] tpmtPublic) {
        return new WireObject(null, typeOf(tpmtPublic), detailOf(parse(tpmtPublic)), null);
    }

    /** An object known only by its Name, from a response that gave nothing else. */
    static WireObject named(byte[] name) {
        return new WireObject(name, 0, 0, null);
    }

    WireObject withName(byte[] name) {
        return new WireObject(name, type, curveOrBits, publicKey);
    }

    private static int typeOf(byte[] p) {
        return p.length >= 2 ? Frames.u16(p, 0) : 0;
    }

    private static byte[] nameOf(byte[] p) {
        if (p.length < 4) {
            return null;
        }
        int nameAlg = Frames.u16(p, 2);
        try {
            byte[] digest = Alg.hash(nameAlg, p);
            byte[] name = new byte[2 + digest.length];
            name[0] = (byte) (nameAlg >>> 8);
            name[1] = (byte) nameAlg;
            System.arraycopy(digest, 0, name, 2, digest.length);
            return name;
        } catch (IllegalArgumentException e) {
            return null; // a nameAlg this JDK does not hash: the object stays nameless, never misnamed
        }
    }

    private static TpmtPublic parse(byte[] p) {
        try {
            return TpmtPublic.fromBytes(p);
        } catch (TpmFormatException | RuntimeException e) {
            return null; // symcipher keys and other shapes our structures do not model
        }
    }

    private static int detailOf(TpmtPublic pub) {
        return pub == null ? 0 : pub.type() == Alg.ECC ? pub.eccParms().curve()
                : pub.type() == Alg.RSA ? pub.rsaParms().keyBits() : 0;
    }

    private static byte[] publicKeyOf(TpmtPublic pub) {
        if (pub != null && pub.unique() instanceof TpmtPublic.EccPoint p && p.x().length > 0) {
            byte[] xy = Arrays.copyOf(p.x(), p.x().length + p.y().length);
            System.arraycopy(p.y(), 0, xy, p.x().length, p.y().length);
            return xy;
        }
        if (pub != null && pub.unique() instanceof TpmtPublic.RsaUnique r && r.modulus().length > 0) {
            return r.modulus().clone();
        }
        return null;
    }

    public boolean isEcc() {
        return type == Alg.ECC;
    }

    public boolean isRsa() {
        return type == Alg.RSA;
    }

    /** For example {@code ECC P-256}, {@code RSA-2048}, {@code keyedhash}. */
    public String describe() {
        if (type == Alg.ECC) {
            switch (curveOrBits) {
                case Alg.ECC_NIST_P256: return "ECC P-256";
                case Alg.ECC_NIST_P384: return "ECC P-384";
                case Alg.ECC_NIST_P521: return "ECC P-521";
                default: return "ECC curve 0x" + Integer.toHexString(curveOrBits);
            }
        }
        if (type == Alg.RSA) {
            return "RSA-" + curveOrBits;
        }
        return type == Alg.KEYEDHASH ? "keyedhash" : type == Alg.SYMCIPHER ? "symcipher"
                : "type 0x" + Integer.toHexString(type);
    }

    @Override
    public byte[] name() {
        return name == null ? null : name.clone();
    }

    @Override
    public byte[] publicKey() {
        return publicKey == null ? null : publicKey.clone();
    }

    public boolean hasName(byte[] other) {
        return name != null && other != null && Arrays.equals(name, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WireObject w && Arrays.equals(name, w.name) && type == w.type
                && curveOrBits == w.curveOrBits && Arrays.equals(publicKey, w.publicKey);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(name) + type) + curveOrBits;
    }

    @Override
    public String toString() {
        return describe() + (name == null ? "" : " " + HexFormat.of().formatHex(name));
    }
}
