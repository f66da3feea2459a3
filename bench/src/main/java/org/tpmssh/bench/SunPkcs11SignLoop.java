package org.tpmssh.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.Collections;
import java.util.StringJoiner;

/**
 * The tpm2-pkcs11 half of the side-by-side C_Sign measurement, in a JVM of its own because
 * libtpm2_pkcs11 reads its store and TCTI from the process environment.
 */
public final class SunPkcs11SignLoop {
    private SunPkcs11SignLoop() {
    }

    /**
     * Args: module path, PIN file, warm-up count, sample count. Prints
     * {@code SAMPLES <alias> <algorithm> <ns,ns,…>} for every key that has a certificate.
     */
    public static void main(String[] args) throws Exception {
        // Beside the PIN file, in the caller's own folder, not in the shared /tmp.
        Path config = Path.of(args[1]).resolveSibling("sunpkcs11.cfg");
        Files.writeString(config, "name = tpm2pkcs11\nlibrary = " + args[0] + "\nslotListIndex = 0\n");
        Provider p = Security.getProvider("SunPKCS11").configure(config.toString());
        Files.delete(config);
        char[] pin = Files.readString(Path.of(args[1]), StandardCharsets.UTF_8).strip().toCharArray();
        int warmup = Integer.parseInt(args[2]);
        int samples = Integer.parseInt(args[3]);
        KeyStore ks = KeyStore.getInstance("PKCS11", p);
        ks.load(null, pin);
        java.util.Arrays.fill(pin, '\0');
        byte[] data = new byte[64];
        for (String alias : Collections.list(ks.aliases())) {
            if (!ks.isKeyEntry(alias)) {
                continue;
            }
            PrivateKey key = (PrivateKey) ks.getKey(alias, null);
            Certificate cert = ks.getCertificate(alias);
            String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            Signature s = Signature.getInstance(algorithm, p);
            for (int i = 0; i < warmup; i++) {
                s.initSign(key);
                s.update(data);
                s.sign();
            }
            StringJoiner out = new StringJoiner(",");
            byte[] last = null;
            for (int i = 0; i < samples; i++) {
                data[0] = (byte) i;
                long t0 = System.nanoTime();
                s.initSign(key);
                s.update(data);
                last = s.sign();
                out.add(Long.toString(System.nanoTime() - t0));
            }
            // Oracle: the JDK's own verifier with the certificate's public key.
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(cert.getPublicKey());
            v.update(data);
            if (!v.verify(last)) {
                throw new IllegalStateException("tpm2-pkcs11 signature of " + alias + " does not verify");
            }
            System.out.println("SAMPLES " + alias + " " + algorithm + " " + out);
        }
    }
}
