package org.tpmssh.tpm.duplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tpmssh.tpm.testing.Oracles.concat;
import static org.tpmssh.tpm.testing.Oracles.unsigned;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.agreement.kdf.ConcatenationKDFGenerator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.KDFParameters;
import org.junit.jupiter.api.Test;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.testing.Oracles;

/**
 * A duplication blob opened on the host exactly as the new parent's TPM opens it (Part 1, 23.3.2.3), with Bouncy
 * Castle's KDFs and the JDK's ciphers: the seed from the parent's private key, the outer HMAC over the encrypted
 * sensitive area and the object's Name, and the TPMT_SENSITIVE inside field by field.
 */
class DuplicationTest {
    private static final byte[] AUTH = "authValue-of-the-key".getBytes(StandardCharsets.US_ASCII);

    @Test
    void anEccKeyWrappedToAnEccParentOpensWithItsPrivateKey() throws Exception {
        KeyPair parentKeys = ec();
        TpmtPublic parent = eccParent((ECPublicKey) parentKeys.getPublic());
        KeyPair objectKeys = ec();
        TpmtPublic object = eccObject((ECPublicKey) objectKeys.getPublic());
        byte[] d = unsigned(((ECPrivateKey) objectKeys.getPrivate()).getS(), 32);
        Duplication dup = Duplication.wrap(parent, object, Sensitive.ecc(AUTH, new byte[0], d), new SecureRandom());

        TpmReader point = new TpmReader(dup.inSymSeed());
        byte[] ex = point.tpm2b();
        byte[] ey = point.tpm2b();
        point.expectEnd("the ephemeral point");
        ECPublicKey eph = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                new ECPoint(new BigInteger(1, ex), new BigInteger(1, ey)), ((ECPublicKey) parentKeys.getPublic())
                        .getParams()));
        KeyAgreement ka = KeyAgreement.getInstance("ECDH");
        ka.init(parentKeys.getPrivate());
        ka.doPhase(eph, true);
        ConcatenationKDFGenerator kdfe = new ConcatenationKDFGenerator(new SHA256Digest());
        kdfe.init(new KDFParameters(ka.generateSecret(), concat("DUPLICATE\0".getBytes(StandardCharsets.US_ASCII),
                ex, unsigned(((ECPublicKey) parentKeys.getPublic()).getW().getAffineX(), 32))));
        byte[] seed = new byte[32];
        kdfe.generateBytes(seed, 0, 32);

        byte[] sensitive = open(dup, seed, object);
        TpmReader r = new TpmReader(sensitive);
        assertThat(r.u16()).as("sensitiveType").isEqualTo(Alg.ECC);
        assertThat(r.tpm2b()).as("authValue").isEqualTo(AUTH);
        assertThat(r.tpm2b()).as("seedValue").isEmpty();
        assertThat(r.tpm2b()).as("the private scalar").isEqualTo(d);
        r.expectEnd("TPMT_SENSITIVE");
    }

    @Test
    void anRsaKeyWrappedToAnRsaParentOpensWithOaep() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
        kpg.initialize(2048);
        KeyPair parentKeys = kpg.generateKeyPair();
        TpmtPublic srk = Templates.srkRsa();
        TpmtPublic parent = new TpmtPublic(srk.type(), srk.nameAlg(), srk.attributes(), srk.authPolicy(), srk.parms(),
                new TpmtPublic.RsaUnique(unsigned(((RSAPublicKey) parentKeys.getPublic()).getModulus(), 256)));
        KeyPair objectKeys = kpg.generateKeyPair();
        TpmtPublic template = Templates.rsaSigningKey(2048, false);
        TpmtPublic object = new TpmtPublic(template.type(), template.nameAlg(), template.attributes(),
                template.authPolicy(), template.parms(),
                new TpmtPublic.RsaUnique(unsigned(((RSAPublicKey) objectKeys.getPublic()).getModulus(), 256)));
        byte[] p = unsigned(((RSAPrivateCrtKey) objectKeys.getPrivate()).getPrimeP(), 128);
        Duplication dup = Duplication.wrap(parent, object, Sensitive.rsa(null, new byte[] {1, 2}, p),
                new SecureRandom());

        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(Cipher.DECRYPT_MODE, parentKeys.getPrivate(), new OAEPParameterSpec("SHA-256", "MGF1",
                MGF1ParameterSpec.SHA256, new PSource.PSpecified("DUPLICATE\0".getBytes(StandardCharsets.US_ASCII))));
        byte[] seed = oaep.doFinal(dup.inSymSeed());
        assertThat(seed).hasSize(32);

        TpmReader r = new TpmReader(open(dup, seed, object));
        assertThat(r.u16()).isEqualTo(Alg.RSA);
        assertThat(r.tpm2b()).as("no authValue").isEmpty();
        assertThat(r.tpm2b()).containsExactly(1, 2);
        assertThat(r.tpm2b()).isEqualTo(p);
        r.expectEnd("TPMT_SENSITIVE");
    }

    @Test
    void aMismatchOrAParentThatIsNotAnAesStorageKeyIsRefused() throws Exception {
        KeyPair keys = ec();
        TpmtPublic parent = eccParent((ECPublicKey) keys.getPublic());
        TpmtPublic object = eccObject((ECPublicKey) ec().getPublic());
        assertThatThrownBy(() -> Duplication.wrap(parent, object, Sensitive.rsa(null, new byte[0], new byte[1]),
                new SecureRandom())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the sensitive area does not match the object's type");
        assertThatThrownBy(() -> Duplication.wrap(object, object, Sensitive.ecc(null, new byte[0], new byte[32]),
                new SecureRandom())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the parent is not a storage key with AES-CFB protection");
    }

    @Test
    void aSensitiveAreaNamesNoKeyMaterialAndWipes() throws Exception {
        Sensitive s = Sensitive.ecc(AUTH.clone(), new byte[] {5}, new byte[] {6, 7});
        assertThat(s.toString()).isEqualTo("Sensitive[type=0x23]");
        assertThat(s.type()).isEqualTo(Alg.ECC);
        assertThat(s.marshal()).containsExactly(concat(new byte[] {0, 0x23, 0, (byte) AUTH.length}, AUTH,
                new byte[] {0, 1, 5, 0, 2, 6, 7}));
        s.wipe();
        assertThat(s.marshal()).as("the same fields, every secret byte zero")
                .containsExactly(concat(new byte[] {0, 0x23, 0, (byte) AUTH.length}, new byte[AUTH.length],
                        new byte[] {0, 1, 0, 0, 2, 0, 0}));
    }

    /** Checks the outer HMAC and returns the decrypted TPMT_SENSITIVE, as TPM2_Import does. */
    private static byte[] open(Duplication dup, byte[] seed, TpmtPublic object) throws Exception {
        byte[] name = name(object);
        TpmReader r = new TpmReader(dup.duplicate());
        byte[] outerHmac = r.tpm2b();
        byte[] encrypted = r.bytes(r.remaining());
        byte[] hmacKey = kdfa(seed, "INTEGRITY", new byte[0], 256);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(hmacKey, "HMAC"));
        mac.update(encrypted);
        assertThat(outerHmac).as("the outer HMAC over the encrypted area and the Name").isEqualTo(mac.doFinal(name));
        byte[] symKey = kdfa(seed, "STORAGE", name, 128);
        Cipher aes = Cipher.getInstance("AES/CFB/NoPadding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(symKey, "AES"), new IvParameterSpec(new byte[16]));
        TpmReader inner = new TpmReader(aes.doFinal(encrypted));
        byte[] sensitive = inner.tpm2b();
        inner.expectEnd("TPM2B_SENSITIVE");
        return sensitive;
    }

    private static byte[] name(TpmtPublic object) throws Exception {
        byte[] area = new TpmWriter().put(object).toByteArray();
        byte[] name = concat(new byte[] {0, 0x0B}, MessageDigest.getInstance("SHA-256").digest(area));
        assertThat(object.name()).isEqualTo(name);
        return name;
    }

    private static byte[] kdfa(byte[] key, String label, byte[] context, int bits) {
        return Oracles.kdfa(new SHA256Digest(), key, label, context, new byte[0], bits);
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec("secp256r1"));
        return kpg.generateKeyPair();
    }

    private static TpmtPublic eccParent(ECPublicKey key) {
        TpmtPublic srk = Templates.srkEcc();
        return new TpmtPublic(srk.type(), srk.nameAlg(), srk.attributes(), srk.authPolicy(), srk.parms(), point(key));
    }

    private static TpmtPublic eccObject(ECPublicKey key) {
        TpmtPublic t = Templates.eccSigningKey(Alg.ECC_NIST_P256, false);
        return new TpmtPublic(t.type(), t.nameAlg(), t.attributes(), t.authPolicy(), t.parms(), point(key));
    }

    private static TpmtPublic.EccPoint point(ECPublicKey key) {
        return new TpmtPublic.EccPoint(unsigned(key.getW().getAffineX(), 32), unsigned(key.getW().getAffineY(), 32));
    }
}
