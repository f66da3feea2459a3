package org.tpmssh.stack.jca;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Self-signed X.509 certificates for TPM keys, signed by the TPM key itself, because JCA key entries need one
 * (docs/jca.md).
 */
public final class TpmCertificates {
    static final Duration VALIDITY = Duration.ofDays(3650);

    private TpmCertificates() {
    }

    /** A certificate with subject and issuer {@code CN=<commonName>}, valid from a day ago for ten years. */
    public static X509Certificate selfSigned(TpmPrivateKey key, String commonName, TpmProvider provider)
            throws GeneralSecurityException {
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        Instant now = Instant.now();
        BigInteger serial = new BigInteger(64, new SecureRandom());
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial,
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(VALIDITY)), name, key.publicKey());
        try {
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(key)).setProvider(provider)
                    .build(key);
            X509CertificateHolder holder = builder.build(signer);
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign a certificate with TPM key \"" + key.label() + "\": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            // BC's ContentSigner wraps the TPM's SignatureException in a RuntimeOperatorException.
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new GeneralSecurityException("cannot sign a certificate with TPM key \"" + key.label() + "\": "
                    + cause.getMessage(), cause);
        }
    }

    /** The hash that matches the key's strength: SHA-256 for P-256 and RSA, SHA-384/512 for P-384/521. */
    static String signatureAlgorithm(TpmPrivateKey key) {
        if (key instanceof TpmEcPrivateKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return bits > 384 ? "SHA512withECDSA" : bits > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
        }
        return "SHA256withRSA";
    }
}
