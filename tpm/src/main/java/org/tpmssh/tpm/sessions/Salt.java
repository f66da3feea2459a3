package org.tpmssh.tpm.sessions;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * A secret shared with the TPM by encrypting it to one of its storage keys (Part 1, 11.4.9 and
 * annex B/C: RSA-OAEP, or ECDH with KDFe), for session salts and the import seed.
 */
public record Salt(byte[] secret, byte[] encrypted) {

    /** Wraps a fresh secret of nameAlg's digest size to {@code key} with the given label ("SECRET" or "DUPLICATE"). */
    public static Salt wrapTo(TpmtPublic key, String label, SecureRandom random) throws TpmFormatException {
        try {
            int nameAlg = key.nameAlg();
            int size = Alg.digestSize(nameAlg);
            if (key.isEcc()) {
                return ecdh(key, label, size, random);
            }
            byte[] secret = new byte[size];
            random.nextBytes(secret);
            Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
            byte[] labelZ = Arrays.copyOf(label.getBytes(StandardCharsets.US_ASCII), label.length() + 1);
            String hash = Alg.hashName(nameAlg);
            oaep.init(Cipher.ENCRYPT_MODE, key.toPublicKey(), new OAEPParameterSpec(hash, "MGF1",
                    new MGF1ParameterSpec(hash), new PSource.PSpecified(labelZ)), random);
            return new Salt(secret, oaep.doFinal(secret));
        } catch (InvalidKeyException e) {
            // The key came from the TPM (or a file) and is not one: a point off its curve, a modulus too short.
            throw new TpmFormatException("the storage key is unusable for encrypting a secret: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot encrypt a secret to the TPM's storage key: " + e.getMessage(), e);
        }
    }

    private static Salt ecdh(TpmtPublic key, String label, int size, SecureRandom random)
            throws GeneralSecurityException, TpmFormatException {
        int curve = key.eccParms().curve();
        int coord = Alg.curveBytes(curve);
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec(Alg.curveName(curve)), random);
        KeyPair eph = kpg.generateKeyPair();
        PublicKey tpmKey = key.toPublicKey();
        KeyAgreement ka = KeyAgreement.getInstance("ECDH");
        ka.init(eph.getPrivate());
        ka.doPhase(tpmKey, true);
        byte[] z = ka.generateSecret();
        ECPublicKey ephPub = (ECPublicKey) eph.getPublic();
        byte[] ex = fixed(ephPub.getW().getAffineX(), coord);
        byte[] ey = fixed(ephPub.getW().getAffineY(), coord);
        byte[] tx = fixed(((ECPublicKey) tpmKey).getW().getAffineX(), coord);
        byte[] secret = Kdf.kdfe(key.nameAlg(), z, label, ex, tx, size * 8);
        Arrays.fill(z, (byte) 0);
        byte[] point = new TpmWriter().tpm2b(ex).tpm2b(ey).toByteArray();
        return new Salt(secret, point);
    }

    static byte[] fixed(BigInteger v, int len) {
        byte[] b = v.toByteArray();
        if (b.length == len) {
            return b;
        }
        byte[] out = new byte[len];
        if (b.length > len) {
            System.arraycopy(b, b.length - len, out, 0, len);
        } else {
            System.arraycopy(b, 0, out, len - b.length, b.length);
        }
        return out;
    }

    /** Wipes the plaintext secret. */
    public void wipe() {
        Arrays.fill(secret, (byte) 0);
    }
}
