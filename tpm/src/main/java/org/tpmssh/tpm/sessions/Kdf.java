package org.tpmssh.tpm.sessions;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.tpmssh.tpm.structures.Alg;

/** The TPM's key derivation functions (TPM 2.0 Part 1, 11.4.10): KDFa (HMAC counter mode) and KDFe (SP800-56A). */
public final class Kdf {
    private Kdf() {
    }

    /** KDFa(hashAlg, key, label, contextU, contextV, bits). The label gets its terminating zero here. */
    public static byte[] kdfa(int hashAlg, byte[] key, String label, byte[] contextU, byte[] contextV, int bits) {
        try {
            Mac mac = Mac.getInstance(Alg.hmacName(hashAlg));
            // An empty HMAC key is legal for the TPM but not for SecretKeySpec; HMAC pads keys with zeros,
            // so a one-byte zero key is the same key.
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HMAC"));
            byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
            int bytes = (bits + 7) / 8;
            byte[] out = new byte[bytes];
            int done = 0;
            for (int counter = 1; done < bytes; counter++) {
                mac.update(u32(counter));
                mac.update(labelBytes);
                mac.update((byte) 0);
                mac.update(contextU);
                mac.update(contextV);
                mac.update(u32(bits));
                byte[] block = mac.doFinal();
                int n = Math.min(block.length, bytes - done);
                System.arraycopy(block, 0, out, done, n);
                Arrays.fill(block, (byte) 0);
                done += n;
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC unavailable in this JDK", e);
        }
    }

    /** KDFe(hashAlg, Z, label, partyUInfo, partyVInfo, bits), for ECDH-based secrets. */
    public static byte[] kdfe(int hashAlg, byte[] z, String label, byte[] partyU, byte[] partyV, int bits) {
        MessageDigest md = Alg.digest(hashAlg);
        byte[] labelBytes = label.getBytes(StandardCharsets.US_ASCII);
        int bytes = (bits + 7) / 8;
        byte[] out = new byte[bytes];
        int done = 0;
        for (int counter = 1; done < bytes; counter++) {
            md.update(u32(counter));
            md.update(z);
            md.update(labelBytes);
            md.update((byte) 0);
            md.update(partyU);
            md.update(partyV);
            byte[] block = md.digest();
            int n = Math.min(block.length, bytes - done);
            System.arraycopy(block, 0, out, done, n);
            Arrays.fill(block, (byte) 0);
            done += n;
        }
        return out;
    }

    static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
