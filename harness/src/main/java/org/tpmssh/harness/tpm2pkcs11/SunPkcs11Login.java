package org.tpmssh.harness.tpm2pkcs11;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.MinaSshClient;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.ssh.SshPublicKeys;

/**
 * The MINA client logging in with tpm2-pkcs11 keys through Java's SunPKCS11, in a child JVM, since the module reads
 * its store and TCTI from the process environment.
 */
public final class SunPkcs11Login {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private SunPkcs11Login() {
    }

    /** Logs in to {@code server} and runs {@code true}; the result's wall time includes the JVM start. */
    static CommandResult run(PtoolStore store, SshServerUnderTest server, List<String> knownHostsLines,
            Path dir, char[] pin, List<String> keys) throws Exception {
        Files.createDirectories(dir);
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"), String.join("\n", knownHostsLines) + "\n");
        Path wanted = Files.write(dir.resolve("keys.pub"), keys);
        Path pinFile = dir.resolve("pin");
        Files.createFile(pinFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        byte[] bytes = pin == null ? new byte[0] : new String(pin).getBytes(StandardCharsets.UTF_8);
        try {
            Files.write(pinFile, bytes);
        } finally {
            Secrets.wipe(bytes);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            return store.run(List.of(java, "-cp", System.getProperty("java.class.path"),
                    SunPkcs11Login.class.getName(), store.installation().module().toString(), server.host(),
                    Integer.toString(server.port()), knownHosts.toString(), pinFile.toString(), wanted.toString()),
                    Map.of());
        } finally {
            Files.deleteIfExists(pinFile);
        }
    }

    /**
     * args: module, host, port, known_hosts, PIN file, the public keys to offer (authorized_keys lines; the
     * store holds others). Exit 0 when the login and {@code true} succeeded.
     */
    public static void main(String[] args) throws Exception {
        String module = args[0];
        List<byte[]> wanted = Files.readAllLines(Path.of(args[5])).stream().filter(l -> !l.isBlank())
                .map(l -> java.util.Base64.getDecoder().decode(l.split(" ")[1])).toList();
        char[] pin = Files.readString(Path.of(args[4])).toCharArray();
        List<KeyPair> pairs = new ArrayList<>();
        // The store's two tokens: the PIN token in slot list index 0, the PIN-less one in 1 (creation order).
        for (int slot = 0; slot < 2; slot++) {
            Provider p = Security.getProvider("SunPKCS11").configure("--name=tpm2-pkcs11-" + slot + "\nlibrary="
                    + module + "\nslotListIndex=" + slot + "\n");
            // Installed, so MINA's Signature.getInstance finds the provider that can use a P11 key.
            Security.addProvider(p);
            KeyStore ks = KeyStore.getInstance("PKCS11", p);
            ks.load(null, pin);
            for (String alias : Collections.list(ks.aliases())) {
                Key key = ks.getKey(alias, null);
                Certificate cert = ks.getCertificate(alias);
                byte[] blob = cert == null ? null : SshPublicKeys.encode(cert.getPublicKey());
                if (key instanceof PrivateKey priv && blob != null
                        && wanted.stream().anyMatch(w -> java.util.Arrays.equals(w, blob))) {
                    pairs.add(new KeyPair(cert.getPublicKey(), priv));
                }
            }
        }
        Secrets.wipe(pin);
        if (pairs.isEmpty()) {
            System.err.println("SunPKCS11 listed no private key with a certificate in " + module);
            System.exit(MinaSshClient.LOGIN_FAILED);
        }
        try (MinaSshClient client = MinaSshClient.builder()
                .identities(KeyIdentityProvider.wrapKeyPairs(pairs.toArray(KeyPair[]::new)))
                .knownHosts(Path.of(args[3])).timeout(TIMEOUT).start()) {
            CommandResult r = client.run(args[1], Integer.parseInt(args[2]), "true");
            System.out.print(r.stdout());
            System.err.print(r.stderr());
            System.exit(r.exitCode());
        }
    }
}
