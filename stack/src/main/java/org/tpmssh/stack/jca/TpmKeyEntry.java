package org.tpmssh.stack.jca;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * One key the KeyStore lists: its alias, the TPM private key and a certificate chain, which the KeyStore
 * makes self-signed when empty.
 */
public record TpmKeyEntry(String alias, TpmPrivateKey key, List<X509Certificate> chain) {

    public TpmKeyEntry {
        Objects.requireNonNull(alias, "alias");
        Objects.requireNonNull(key, "key");
        chain = chain == null ? List.of() : List.copyOf(chain);
    }

    /** An entry whose certificate the KeyStore makes. */
    public static TpmKeyEntry of(String alias, TpmPrivateKey key) {
        return new TpmKeyEntry(alias, key, List.of());
    }
}
