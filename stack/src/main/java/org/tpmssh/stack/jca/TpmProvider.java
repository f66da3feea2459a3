package org.tpmssh.stack.jca;

import java.security.Key;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import java.util.Map;

/**
 * The JCA provider "TPMSSH": Signature algorithms that sign in the TPM with a {@link TpmPrivateKey}, and a
 * read-only KeyStore of such keys (docs/jca.md).
 */
public final class TpmProvider extends Provider {
    private static final long serialVersionUID = 1L;

    public static final String NAME = "TPMSSH";
    /** The KeyStore type; load it with a {@link TpmKeyStoreParameter}. */
    public static final String KEYSTORE_TYPE = "TPMSSH";

    public TpmProvider() {
        super(NAME, "0.1", "tpmssh: signatures made inside a TPM 2.0 (ECDSA, RSASSA-PKCS1-v1_5, RSASSA-PSS)"
                + " and a KeyStore of TPM keys");
        Map<String, String> keyClasses = Map.of("SupportedKeyClasses", TpmPrivateKey.class.getName());
        for (TpmSignatureSpi.Algorithm alg : TpmSignatureSpi.Algorithm.values()) {
            List<String> aliases = alg == TpmSignatureSpi.Algorithm.RSASSA_PSS
                    ? List.of("1.2.840.113549.1.1.10", "OID.1.2.840.113549.1.1.10", "PSS") : List.of();
            putService(new SignatureService(this, alg, aliases, keyClasses));
        }
        putService(new KeyStoreService(this));
    }

    /**
     * Installs the provider at the end of the JCA list, once, and returns the installed instance. At
     * the end is enough: delayed provider selection skips SunEC and SunRsaSign for TPM keys (their
     * SupportedKeyClasses do not match), and providers that do not declare key classes (BouncyCastle)
     * refuse the key at initSign, after which JCA tries the next one.
     */
    public static synchronized TpmProvider install() {
        Provider installed = Security.getProvider(NAME);
        if (installed instanceof TpmProvider tpm) {
            return tpm;
        }
        if (installed != null) {
            throw new IllegalStateException("another provider is already installed as " + NAME + ": "
                    + installed.getClass().getName());
        }
        TpmProvider tpm = new TpmProvider();
        Security.addProvider(tpm);
        return tpm;
    }

    /** A Signature service built without reflection, and offered only TPM keys. */
    private static final class SignatureService extends Service {
        private final TpmSignatureSpi.Algorithm algorithm;

        SignatureService(Provider provider, TpmSignatureSpi.Algorithm algorithm, List<String> aliases,
                Map<String, String> attributes) {
            super(provider, "Signature", algorithm.jcaName, TpmSignatureSpi.class.getName(), aliases, attributes);
            this.algorithm = algorithm;
        }

        @Override
        public Object newInstance(Object constructorParameter) throws NoSuchAlgorithmException {
            return new TpmSignatureSpi(algorithm);
        }

        @Override
        public boolean supportsParameter(Object parameter) {
            // Same as the SupportedKeyClasses attribute, without the class-name lookup.
            return parameter instanceof Key && parameter instanceof TpmPrivateKey;
        }
    }

    private static final class KeyStoreService extends Service {
        KeyStoreService(Provider provider) {
            super(provider, "KeyStore", KEYSTORE_TYPE, TpmKeyStoreSpi.class.getName(), List.of(), Map.of());
        }

        @Override
        public Object newInstance(Object constructorParameter) {
            return new TpmKeyStoreSpi((TpmProvider) getProvider());
        }
    }
}
