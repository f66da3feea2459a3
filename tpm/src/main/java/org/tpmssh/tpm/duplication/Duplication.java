package org.tpmssh.tpm.duplication;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.sessions.Kdf;
import org.tpmssh.tpm.sessions.Salt;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.structures.TpmtPublic.SymDef;

/**
 * A duplication blob made on the host for TPM2_Import (TPM 2.0 Part 1, 23.3, outer wrapper
 * only): the sensitive area is encrypted and integrity-protected with keys derived from a
 * fresh seed, and only the seed, wrapped to the new parent's public key, goes with it. No TPM
 * is needed to make it, so it also serves the remote wrap; only the parent's TPM can open it.
 *
 * @param duplicate TPM2B_PRIVATE contents: TPM2B(outerHMAC) || AES-CFB(TPM2B(sensitive))
 * @param inSymSeed TPM2B_ENCRYPTED_SECRET contents: the seed, RSA-OAEP or ECDH+KDFe wrapped
 */
public record Duplication(byte[] duplicate, byte[] inSymSeed) {

    /**
     * Wraps {@code sensitive} (the private half of {@code object}) to {@code parent}. The seed
     * comes from {@code random} and is wiped before returning.
     */
    public static Duplication wrap(TpmtPublic parent, TpmtPublic object, Sensitive sensitive, SecureRandom random)
            throws TpmFormatException {
        if (sensitive.type() != object.type()) {
            throw new IllegalArgumentException("the sensitive area does not match the object's type");
        }
        SymDef sym = parent.isEcc() ? parent.eccParms().symmetric() : parent.rsaParms().symmetric();
        if (sym.alg() != Alg.AES || sym.mode() != Alg.CFB) {
            throw new IllegalArgumentException("the parent is not a storage key with AES-CFB protection");
        }
        int hash = parent.nameAlg(); // Part 1, 23.3.2: the new parent's nameAlg drives both KDFs and the HMAC
        Salt seed = Salt.wrapTo(parent, "DUPLICATE", random);
        byte[] name = object.name();
        byte[] plain = null;
        byte[] symKey = null;
        byte[] hmacKey = null;
        try {
            byte[] sens = sensitive.marshal();
            TpmWriter w = new TpmWriter(sens.length + 2); // sized so it never regrows and strands a copy
            plain = w.tpm2b(sens).toByteArray();
            w.wipe();
            Arrays.fill(sens, (byte) 0);
            symKey = Kdf.kdfa(hash, seed.secret(), "STORAGE", name, new byte[0], sym.keyBits());
            Cipher aes = Cipher.getInstance("AES/CFB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(symKey, "AES"), new IvParameterSpec(new byte[16]));
            byte[] encSensitive = aes.doFinal(plain);

            hmacKey = Kdf.kdfa(hash, seed.secret(), "INTEGRITY", new byte[0], new byte[0],
                    Alg.digestSize(hash) * 8);
            Mac mac = Mac.getInstance(Alg.hmacName(hash));
            mac.init(new SecretKeySpec(hmacKey, "HMAC"));
            mac.update(encSensitive);
            byte[] outerHmac = mac.doFinal(name);

            byte[] duplicate = new TpmWriter(encSensitive.length + outerHmac.length + 2).tpm2b(outerHmac)
                    .bytes(encSensitive).toByteArray();
            return new Duplication(duplicate, seed.encrypted());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot do AES-CFB or HMAC: " + e.getMessage(), e);
        } finally {
            seed.wipe();
            wipe(plain);
            wipe(symKey);
            wipe(hmacKey);
        }
    }

    private static void wipe(byte[] b) {
        if (b != null) {
            Arrays.fill(b, (byte) 0);
        }
    }
}
