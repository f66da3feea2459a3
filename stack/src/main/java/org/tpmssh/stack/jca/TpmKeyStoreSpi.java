package org.tpmssh.stack.jca;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.KeyStoreSpi;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Date;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The read-only "TPMSSH" KeyStore: the keys a {@link TpmKeySource} gave at load time, each with a certificate
 * chain.
 */
final class TpmKeyStoreSpi extends KeyStoreSpi {
    private static final String READ_ONLY = "the TPMSSH KeyStore is read-only; create or delete TPM keys with"
            + " `tpmssh key create` / `tpmssh key delete`";

    private final TpmProvider provider;
    private Map<String, Loaded> entries = Map.of();

    private record Loaded(TpmPrivateKey key, List<X509Certificate> chain, Date loadedAt) {
    }

    TpmKeyStoreSpi(TpmProvider provider) {
        this.provider = provider;
    }

    @Override
    public void engineLoad(KeyStore.LoadStoreParameter param) throws IOException {
        if (!(param instanceof TpmKeyStoreParameter tpmParam)) {
            throw new IllegalArgumentException("load the TPMSSH KeyStore with new TpmKeyStoreParameter(source), not "
                    + (param == null ? "null" : param.getClass().getName()));
        }
        Map<String, Loaded> loaded = new LinkedHashMap<>();
        Date now = new Date();
        try {
            for (TpmKeyEntry entry : tpmParam.source().entries()) {
                if (loaded.containsKey(entry.alias())) {
                    throw new IOException("the key source lists alias \"" + entry.alias() + "\" twice");
                }
                List<X509Certificate> chain = entry.chain().isEmpty()
                        ? List.of(TpmCertificates.selfSigned(entry.key(), entry.alias(), provider))
                        : entry.chain();
                if (!chain.get(0).getPublicKey().equals(entry.key().publicKey())) {
                    throw new IOException("the certificate given for alias \"" + entry.alias()
                            + "\" is not for its TPM key");
                }
                loaded.put(entry.alias(), new Loaded(entry.key(), chain, now));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load the TPMSSH KeyStore: " + e.getMessage(), e);
        }
        entries = Collections.unmodifiableMap(loaded);
    }

    @Override
    public void engineLoad(InputStream stream, char[] password) throws IOException {
        if (stream != null) {
            throw new IOException("the TPMSSH KeyStore is not a file; load it with new TpmKeyStoreParameter(source)");
        }
        entries = Map.of(); // load(null, null): an empty store, as JCA convention expects
    }

    @Override
    public Key engineGetKey(String alias, char[] password) {
        // No password here: the source's keys are already unlocked; the PIN stayed with the source.
        Loaded e = entries.get(alias);
        return e == null ? null : e.key();
    }

    @Override
    public Certificate[] engineGetCertificateChain(String alias) {
        Loaded e = entries.get(alias);
        return e == null ? null : e.chain().toArray(new Certificate[0]);
    }

    @Override
    public Certificate engineGetCertificate(String alias) {
        Loaded e = entries.get(alias);
        return e == null ? null : e.chain().get(0);
    }

    @Override
    public Date engineGetCreationDate(String alias) {
        Loaded e = entries.get(alias);
        return e == null ? null : (Date) e.loadedAt().clone();
    }

    @Override
    public Enumeration<String> engineAliases() {
        return Collections.enumeration(entries.keySet());
    }

    @Override
    public boolean engineContainsAlias(String alias) {
        return entries.containsKey(alias);
    }

    @Override
    public int engineSize() {
        return entries.size();
    }

    @Override
    public boolean engineIsKeyEntry(String alias) {
        return entries.containsKey(alias);
    }

    @Override
    public boolean engineIsCertificateEntry(String alias) {
        return false;
    }

    @Override
    public String engineGetCertificateAlias(Certificate cert) {
        for (Map.Entry<String, Loaded> e : entries.entrySet()) {
            if (e.getValue().chain().get(0).equals(cert)) {
                return e.getKey();
            }
        }
        return null;
    }

    @Override
    public void engineSetKeyEntry(String alias, Key key, char[] password, Certificate[] chain)
            throws KeyStoreException {
        throw new KeyStoreException(READ_ONLY);
    }

    @Override
    public void engineSetKeyEntry(String alias, byte[] key, Certificate[] chain) throws KeyStoreException {
        throw new KeyStoreException(READ_ONLY);
    }

    @Override
    public void engineSetCertificateEntry(String alias, Certificate cert) throws KeyStoreException {
        throw new KeyStoreException(READ_ONLY);
    }

    @Override
    public void engineDeleteEntry(String alias) throws KeyStoreException {
        throw new KeyStoreException(READ_ONLY);
    }

    @Override
    public void engineStore(OutputStream stream, char[] password) throws IOException {
        throw new IOException(READ_ONLY);
    }
}
