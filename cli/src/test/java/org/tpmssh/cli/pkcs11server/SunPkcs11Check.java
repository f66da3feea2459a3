package org.tpmssh.cli.pkcs11server;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.tpmssh.stack.ssh.SshPublicKeys;

/**
 * Java's own SunPKCS11 provider on p11-kit-client.so, in a child JVM (p11-kit-client reads the
 * server address from the process environment): it lists the token's keys through its KeyStore,
 * signs with each, and the JDK verifies every signature against the public key that
 * {@code ssh-keygen -D} printed for that label. Prints {@code VERIFIED <label> <algorithm>} per key.
 *
 * <p>Args: module, slot list index, PIN file, file of ssh-keygen -D lines.
 */
public final class SunPkcs11Check {
    private SunPkcs11Check() {
    }

    public static void main(String[] args) throws Exception {
        Path config = Path.of(args[2]).resolveSibling("sunpkcs11.cfg");
        Files.writeString(config, "name = p11kit\nlibrary = " + args[0] + "\nslotListIndex = " + args[1] + "\n");
        Provider p = Security.getProvider("SunPKCS11").configure(config.toString());
        Map<String, PublicKey> expected = new HashMap<>();
        for (String line : Files.readAllLines(Path.of(args[3]))) {
            String[] f = line.split(" ");
            if (f.length >= 3) {
                expected.put(f[2], SshPublicKeys.parse(Base64.getDecoder().decode(f[1])));
            }
        }
        char[] pin = Files.readString(Path.of(args[2]), StandardCharsets.UTF_8).strip().toCharArray();
        KeyStore ks = KeyStore.getInstance("PKCS11", p);
        ks.load(null, pin);
        java.util.Arrays.fill(pin, '\0');
        byte[] data = "signed by SunPKCS11 through p11-kit".getBytes(StandardCharsets.UTF_8);
        int verified = 0;
        for (String alias : Collections.list(ks.aliases())) {
            if (!ks.isKeyEntry(alias)) {
                continue;
            }
            PrivateKey key = (PrivateKey) ks.getKey(alias, null);
            String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            Signature s = Signature.getInstance(algorithm, p);
            s.initSign(key);
            s.update(data);
            byte[] sig = s.sign();
            PublicKey pub = expected.get(alias);
            if (pub == null) {
                throw new IllegalStateException("ssh-keygen -D printed no key labelled " + alias);
            }
            Signature v = Signature.getInstance(algorithm); // the JDK's own, not SunPKCS11
            v.initVerify(pub);
            v.update(data);
            if (!v.verify(sig)) {
                throw new IllegalStateException(alias + ": the JDK does not verify the signature");
            }
            System.out.println("VERIFIED " + alias + " " + algorithm);
            verified++;
        }
        if (verified == 0) {
            throw new IllegalStateException("SunPKCS11 listed no key entry");
        }
    }
}
