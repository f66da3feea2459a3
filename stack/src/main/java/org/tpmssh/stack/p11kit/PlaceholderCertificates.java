package org.tpmssh.stack.p11kit;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.tpm.marshal.TpmFormatException;

/**
 * Certificate objects for keys that have none, because Java's SunPKCS11 KeyStore lists a private
 * key only beside a certificate with its CKA_ID. Each holds the key's public key under CN=label and
 * is issued by a throwaway key made when the server starts: it says nothing anyone should trust.
 */
final class PlaceholderCertificates {
    static final String ISSUER = "tpmssh placeholder issuer (not trusted)";

    private final KeyPair issuer;
    private final X500Name issuerName = name(ISSUER);
    private final Map<String, X509CertificateHolder> byKeyId = new ConcurrentHashMap<>();

    PlaceholderCertificates() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        issuer = g.generateKeyPair();
    }

    /** The certificate object's attributes for {@code key}, made on first use and then kept. */
    Map<Long, Object> attributes(KeyRecord key) throws GeneralSecurityException, TpmFormatException {
        X509CertificateHolder cert = byKeyId.get(key.id());
        if (cert == null) {
            cert = make(key);
            byKeyId.put(key.id(), cert);
        }
        try {
            Map<Long, Object> a = new LinkedHashMap<>();
            a.put(Ck.CKA_CLASS, Ck.CKO_CERTIFICATE);
            a.put(Ck.CKA_TOKEN, true);
            a.put(Ck.CKA_PRIVATE, false);
            a.put(Ck.CKA_MODIFIABLE, false);
            a.put(Ck.CKA_LABEL, key.label().getBytes(StandardCharsets.UTF_8));
            a.put(Ck.CKA_ID, HexFormat.of().parseHex(key.id()));
            a.put(Ck.CKA_CERTIFICATE_TYPE, Ck.CKC_X_509);
            a.put(Ck.CKA_TRUSTED, false);
            a.put(Ck.CKA_CERTIFICATE_CATEGORY, 0L);
            a.put(Ck.CKA_SUBJECT, cert.getSubject().getEncoded());
            a.put(Ck.CKA_ISSUER, cert.getIssuer().getEncoded());
            a.put(Ck.CKA_SERIAL_NUMBER, new ASN1Integer(cert.getSerialNumber()).getEncoded());
            a.put(Ck.CKA_VALUE, cert.getEncoded());
            return a;
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot encode the placeholder certificate: " + e.getMessage(), e);
        }
    }

    private X509CertificateHolder make(KeyRecord key) throws GeneralSecurityException, TpmFormatException {
        Instant now = Instant.now();
        try {
            return new JcaX509v3CertificateBuilder(issuerName, new BigInteger(63, new SecureRandom()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))),
                    name(key.label()), key.tpmPublic().toPublicKey())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate()));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot make a placeholder certificate: " + e.getMessage(), e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }
}
