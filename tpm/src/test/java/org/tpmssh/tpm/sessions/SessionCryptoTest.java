package org.tpmssh.tpm.sessions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.tpm.testing.Oracles.bytes;
import static org.tpmssh.tpm.testing.Oracles.concat;
import static org.tpmssh.tpm.testing.Oracles.u32;
import static org.tpmssh.tpm.testing.Oracles.unsigned;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.generators.KDFCounterBytesGenerator;
import org.bouncycastle.crypto.agreement.kdf.ConcatenationKDFGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KDFCounterParameters;
import org.bouncycastle.crypto.params.KDFParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.testing.Oracles;

/**
 * The session arithmetic without a TPM, against independent implementations: KDFa against Bouncy Castle's SP 800-108
 * counter-mode KDF, KDFe against its SP 800-56A concatenation KDF, salts opened with the private key the way the TPM
 * opens them, and HMAC session keys, command and response HMACs and parameter encryption recomputed from TPM 2.0
 * Part 1, 19.6 and 21 with the JDK's HMAC and AES.
 */
class SessionCryptoTest {
    private static final byte[] KEY = bytes(32, 1);
    private static final byte[] U = bytes(20, 50);
    private static final byte[] V = bytes(17, 90);

    @ParameterizedTest(name = "KDFa {0} for {1} bits")
    @CsvSource({"SHA256, 256", "SHA256, 128", "SHA256, 72", "SHA256, 520", "SHA1, 160", "SHA1, 328", "SHA384, 384",
            "SHA384, 1024"})
    void kdfaIsSp800108CounterMode(String hash, int bits) {
        int alg = alg(hash);
        byte[] fixed = concat("STORAGE".getBytes(StandardCharsets.US_ASCII), new byte[1], U, V, u32(bits));
        KDFCounterBytesGenerator bc = new KDFCounterBytesGenerator(new HMac(digest(hash)));
        bc.init(new KDFCounterParameters(KEY, null, fixed, 32));
        byte[] expected = new byte[bits / 8];
        bc.generateBytes(expected, 0, expected.length);
        assertThat(Kdf.kdfa(alg, KEY, "STORAGE", U, V, bits)).isEqualTo(expected);
    }

    @Test
    void kdfaWithAnEmptyKeyIsHmacWithAZeroKey() throws Exception {
        byte[] fixed = concat("ATH".getBytes(StandardCharsets.US_ASCII), new byte[1], U, V, u32(256));
        KDFCounterBytesGenerator bc = new KDFCounterBytesGenerator(new HMac(new SHA256Digest()));
        bc.init(new KDFCounterParameters(new byte[0], null, fixed, 32));
        byte[] expected = new byte[32];
        bc.generateBytes(expected, 0, 32);
        assertThat(Kdf.kdfa(Alg.SHA256, new byte[0], "ATH", U, V, 256)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "KDFe {0} for {1} bits")
    @CsvSource({"SHA256, 256", "SHA256, 128", "SHA256, 520", "SHA384, 384", "SHA1, 200"})
    void kdfeIsSp80056aConcatenation(String hash, int bits) {
        byte[] z = bytes(32, 7);
        byte[] otherInfo = concat("DUPLICATE".getBytes(StandardCharsets.US_ASCII), new byte[1], U, V);
        ConcatenationKDFGenerator bc = new ConcatenationKDFGenerator(digest(hash));
        bc.init(new KDFParameters(z, otherInfo));
        byte[] expected = new byte[bits / 8];
        bc.generateBytes(expected, 0, expected.length);
        assertThat(Kdf.kdfe(alg(hash), z, "DUPLICATE", U, V, bits)).isEqualTo(expected);
    }

    @Test
    void anRsaSaltOpensWithOaepAndTheLabelAndItsZero() throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
        kpg.initialize(2048);
        KeyPair pair = kpg.generateKeyPair();
        TpmtPublic srk = Templates.srkRsa();
        TpmtPublic parent = new TpmtPublic(srk.type(), srk.nameAlg(), srk.attributes(), srk.authPolicy(),
                srk.parms(), new TpmtPublic.RsaUnique(unsigned(((RSAPublicKey) pair.getPublic()).getModulus(), 256)));
        Salt salt = Salt.wrapTo(parent, "SECRET", new SecureRandom());
        assertThat(salt.secret()).hasSize(Alg.digestSize(parent.nameAlg()));
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
        oaep.init(Cipher.DECRYPT_MODE, pair.getPrivate(), new OAEPParameterSpec("SHA-256", "MGF1",
                MGF1ParameterSpec.SHA256, new PSource.PSpecified("SECRET\0".getBytes(StandardCharsets.US_ASCII))));
        assertThat(oaep.doFinal(salt.encrypted())).isEqualTo(salt.secret());
        Salt another = Salt.wrapTo(parent, "SECRET", new SecureRandom());
        assertThat(salt.secret()).as("a fresh random secret each time").isNotEqualTo(another.secret())
                .isNotEqualTo(new byte[32]);
        byte[] secret = salt.secret();
        salt.wipe();
        assertThat(secret).containsOnly(0);
    }

    @ParameterizedTest(name = "an ECDH salt on {0} opens with the private key and KDFe")
    @CsvSource({"secp256r1, 32", "secp384r1, 48"})
    void anEcdhSaltOpensWithThePrivateKeyAndKdfe(String curve, int coordinate) throws Exception {
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("EC");
        kpg.initialize(new ECGenParameterSpec(curve));
        KeyPair pair = kpg.generateKeyPair();
        ECPoint w = ((ECPublicKey) pair.getPublic()).getW();
        TpmtPublic srk = Templates.srkEcc();
        TpmtPublic.EccParms p = srk.eccParms();
        int curveId = coordinate == 32 ? Alg.ECC_NIST_P256 : 0x0004;
        TpmtPublic parent = new TpmtPublic(srk.type(), srk.nameAlg(), srk.attributes(), srk.authPolicy(),
                new TpmtPublic.EccParms(p.symmetric(), p.scheme(), curveId, p.kdf()),
                new TpmtPublic.EccPoint(unsigned(w.getAffineX(), coordinate), unsigned(w.getAffineY(), coordinate)));
        Salt salt = Salt.wrapTo(parent, "SECRET", new SecureRandom());

        TpmReader r = new TpmReader(salt.encrypted());
        byte[] ex = r.tpm2b();
        byte[] ey = r.tpm2b();
        r.expectEnd("the ephemeral point");
        assertThat(ex).hasSize(coordinate);
        assertThat(ey).hasSize(coordinate);
        ECPublicKey ephemeral = (ECPublicKey) java.security.KeyFactory.getInstance("EC").generatePublic(
                new ECPublicKeySpec(new ECPoint(new BigInteger(1, ex), new BigInteger(1, ey)),
                        ((ECPrivateKey) pair.getPrivate()).getParams()));
        KeyAgreement ka = KeyAgreement.getInstance("ECDH");
        ka.init(pair.getPrivate());
        ka.doPhase(ephemeral, true);
        byte[] z = ka.generateSecret();
        ConcatenationKDFGenerator bc = new ConcatenationKDFGenerator(new SHA256Digest());
        bc.init(new KDFParameters(z, concat("SECRET".getBytes(StandardCharsets.US_ASCII), new byte[1], ex,
                unsigned(w.getAffineX(), coordinate))));
        byte[] expected = new byte[32];
        bc.generateBytes(expected, 0, 32);
        assertThat(salt.secret()).isEqualTo(expected);
    }

    @Test
    void fixedWidthPadsAndTrims() {
        assertThat(Salt.fixed(BigInteger.valueOf(0x0102), 4)).containsExactly(0, 0, 1, 2);
        assertThat(Salt.fixed(new BigInteger(1, new byte[] {(byte) 0xFF, 1, 2, 3}), 4)).containsExactly(0xFF, 1, 2, 3);
        assertThat(Salt.fixed(BigInteger.valueOf(0x01020304), 4)).containsExactly(1, 2, 3, 4);
    }

    private static final byte[] NONCE_CALLER = bytes(32, 11);
    private static final byte[] NONCE_TPM = bytes(32, 71);
    private static final byte[] SALT = bytes(32, 131);
    private static final byte[] AUTH = {'p', 'i', 'n', 0, 0};

    private static HmacSession session(byte[] bindAuth, byte[] bindName, byte[] salt, int attributes) {
        return HmacSession.established(0x02000000, Alg.SHA256, bindAuth, bindName, salt, 128, attributes,
                NONCE_CALLER.clone(), NONCE_TPM.clone());
    }

    /** Part 1, 19.6.8: sessionKey = KDFa(authHash, bindAuth (trailing zeros off) || salt, "ATH", nonceTPM, nonceCaller). */
    private static byte[] sessionKey(byte[] auth, byte[] salt) {
        return Oracles.kdfa(new SHA256Digest(), concat(auth, salt), "ATH", NONCE_TPM, NONCE_CALLER, 256);
    }

    private static byte[] hmac(byte[] key, byte[]... parts) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HMAC"));
        for (byte[] p : parts) {
            mac.update(p);
        }
        return mac.doFinal();
    }

    @Test
    void aSaltedSessionSignsCommandsWithSessionKeyAndTheEntitysAuth() throws Exception {
        HmacSession s = session(null, null, SALT, HmacSession.DECRYPT);
        byte[] cpHash = bytes(32, 200);
        byte[] key = concat(sessionKey(new byte[0], SALT), new byte[] {'p', 'i', 'n'});
        int attrs = HmacSession.DECRYPT | HmacSession.CONTINUE_SESSION;
        assertThat(s.attributes()).isEqualTo(attrs);
        assertThat(s.commandHmac(cpHash, attrs, AUTH, bytes(34, 3)))
                .isEqualTo(hmac(key, cpHash, NONCE_CALLER, NONCE_TPM, new byte[] {(byte) attrs}));
        assertThat(s.commandHmac(cpHash, attrs, null, null))
                .as("no authValue: the session key alone").isEqualTo(hmac(sessionKey(new byte[0], SALT), cpHash,
                        NONCE_CALLER, NONCE_TPM, new byte[] {(byte) attrs}));
    }

    @Test
    void anUnsaltedUnboundSessionHasAnEmptySessionKey() throws Exception {
        HmacSession s = session(null, null, null, 0);
        byte[] cpHash = bytes(32, 9);
        assertThat(s.commandHmac(cpHash, 1, AUTH, null))
                .isEqualTo(hmac(new byte[] {'p', 'i', 'n'}, cpHash, NONCE_CALLER, NONCE_TPM, new byte[] {1}));
    }

    @Test
    void anEmptySaltIsNoSalt() throws Exception {
        HmacSession s = session(null, null, new byte[0], 0);
        byte[] cpHash = bytes(32, 9);
        assertThat(s.commandHmac(cpHash, 1, null, null)).as("an empty session key")
                .isEqualTo(hmac(new byte[0], cpHash, NONCE_CALLER, NONCE_TPM, new byte[] {1}));
        HmacSession bound = session(null, new byte[0], null, 0);
        assertThat(bound.commandHmac(cpHash, 1, null, new byte[0])).as("an empty bind name binds nothing")
                .isEqualTo(hmac(new byte[0], cpHash, NONCE_CALLER, NONCE_TPM, new byte[] {1}));
    }

    @Test
    void aBoundSessionLeavesTheAuthOutForItsBindTargetOnly() throws Exception {
        byte[] bindName = bytes(34, 40);
        HmacSession s = session(AUTH, bindName, SALT, 0);
        byte[] sessionKey = sessionKey(new byte[] {'p', 'i', 'n'}, SALT);
        byte[] cpHash = bytes(32, 77);
        assertThat(s.commandHmac(cpHash, 1, AUTH, bindName.clone()))
                .isEqualTo(hmac(sessionKey, cpHash, NONCE_CALLER, NONCE_TPM, new byte[] {1}));
        byte[] other = bytes(34, 41);
        assertThat(s.commandHmac(cpHash, 1, AUTH, other))
                .isEqualTo(hmac(concat(sessionKey, new byte[] {'p', 'i', 'n'}), cpHash, NONCE_CALLER, NONCE_TPM,
                        new byte[] {1}));
    }

    @Test
    void aResponseHmacIsCheckedAndItsNonceTaken() throws Exception {
        HmacSession s = session(null, null, SALT, 0);
        byte[] key = concat(sessionKey(new byte[0], SALT), new byte[] {'p', 'i', 'n'});
        byte[] rpHash = bytes(32, 99);
        byte[] newNonce = bytes(32, 150);
        byte[] good = hmac(key, rpHash, newNonce, NONCE_CALLER, new byte[] {1});
        byte[] bad = good.clone();
        bad[5] ^= 1;
        assertThat(s.acceptResponse(rpHash, newNonce, 1, bad, AUTH, null)).as("a tampered HMAC").isFalse();
        assertThat(s.acceptResponse(rpHash, newNonce, 1, good, AUTH, null)).isTrue();
        assertThat(s.acceptResponse(rpHash, newNonce, 0, good, AUTH, null)).as("other attributes").isFalse();
        // The next command's HMAC uses the nonce the response brought.
        byte[] cpHash = bytes(32, 1);
        assertThat(s.commandHmac(cpHash, 1, AUTH, null)).isEqualTo(hmac(key, cpHash, NONCE_CALLER, newNonce,
                new byte[] {1}));
    }

    @Test
    void parameterEncryptionIsAesCfbWithKeyAndIvFromKdfa() throws Exception {
        HmacSession s = session(null, null, SALT, HmacSession.DECRYPT | HmacSession.ENCRYPT);
        byte[] plain = "the parameter: a PIN-derived authValue".getBytes(StandardCharsets.US_ASCII);
        byte[] buf = concat(new byte[3], plain, new byte[2]);
        s.cfb(buf, 3, plain.length, AUTH, true);
        byte[] value = concat(sessionKey(new byte[0], SALT), AUTH);
        byte[] keyIv = Oracles.kdfa(new SHA256Digest(), value, "CFB", NONCE_CALLER, NONCE_TPM, (16 + 16) * 8);
        Cipher aes = Cipher.getInstance("AES/CFB/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keyIv, 0, 16, "AES"), new IvParameterSpec(keyIv, 16, 16));
        assertThat(Arrays.copyOfRange(buf, 3, 3 + plain.length)).isEqualTo(aes.doFinal(plain));
        assertThat(Arrays.copyOfRange(buf, 0, 3)).containsOnly(0);
        assertThat(Arrays.copyOfRange(buf, 3 + plain.length, buf.length)).containsOnly(0);

        // A response is decrypted with the nonces the other way round.
        byte[] fromTpm = Oracles.kdfa(new SHA256Digest(), value, "CFB", NONCE_TPM, NONCE_CALLER, (16 + 16) * 8);
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(fromTpm, 0, 16, "AES"), new IvParameterSpec(fromTpm, 16, 16));
        byte[] response = aes.doFinal(plain);
        s.cfb(response, 0, response.length, AUTH, false);
        assertThat(response).isEqualTo(plain);
    }

    @Test
    void attributesDropTheEncryptionFlagsACommandCannotCarry() {
        HmacSession s = session(null, null, SALT, HmacSession.DECRYPT | HmacSession.ENCRYPT);
        int all = HmacSession.CONTINUE_SESSION | HmacSession.DECRYPT | HmacSession.ENCRYPT;
        assertThat(s.attributesFor(true, true)).isEqualTo(all);
        assertThat(s.attributesFor(false, true)).isEqualTo(all & ~HmacSession.DECRYPT);
        assertThat(s.attributesFor(true, false)).isEqualTo(all & ~HmacSession.ENCRYPT);
        assertThat(s.attributesFor(false, false)).isEqualTo(HmacSession.CONTINUE_SESSION);
    }

    @Test
    void aFreshNonceIsOfTheDigestSizeAndUsedNext() throws Exception {
        HmacSession s = session(null, null, SALT, 0);
        byte[] n = s.rollNonceCaller(new SecureRandom());
        assertThat(n).hasSize(32).isNotEqualTo(NONCE_CALLER);
        assertThat(s.nonceCaller()).isSameAs(n);
        byte[] cpHash = bytes(32, 5);
        assertThat(s.commandHmac(cpHash, 1, null, null)).isEqualTo(hmac(sessionKey(new byte[0], SALT), cpHash, n,
                NONCE_TPM, new byte[] {1}));
    }

    @Test
    void anInvalidatedSessionIsClosedAndItsKeyWiped() throws Exception {
        HmacSession s = session(null, null, SALT, 0);
        assertThat(s.isOpen()).isTrue();
        assertThat(s.handle()).isEqualTo(0x02000000);
        assertThat(s.authHash()).isEqualTo(Alg.SHA256);
        assertThat(s.toString()).isEqualTo("HmacSession[0x02000000]");
        byte[] cpHash = bytes(32, 5);
        s.invalidate();
        assertThat(s.isOpen()).isFalse();
        assertThat(s.toString()).endsWith(", closed]");
        assertThat(s.commandHmac(cpHash, 1, null, null)).as("HMAC under the wiped (all-zero) key")
                .isEqualTo(hmac(new byte[32], cpHash, NONCE_CALLER, NONCE_TPM, new byte[] {1}));
    }

    @Test
    void trailingZerosAreNotPartOfAnAuthValue() {
        assertThat(HmacSession.trimZeros(new byte[] {1, 0, 2, 0, 0})).containsExactly(1, 0, 2);
        assertThat(HmacSession.trimZeros(new byte[] {0, 0})).isEmpty();
        assertThat(HmacSession.trimZeros(new byte[0])).isEmpty();
    }

    @Test
    void thePasswordSessionIsTpmRsPw() {
        assertThat(Session.password().handle()).isEqualTo(0x40000009);
    }

    static int alg(String hash) {
        return switch (hash) {
            case "SHA1" -> Alg.SHA1;
            case "SHA256" -> Alg.SHA256;
            case "SHA384" -> Alg.SHA384;
            default -> throw new IllegalArgumentException(hash);
        };
    }

    static Digest digest(String hash) {
        return switch (hash) {
            case "SHA1" -> new SHA1Digest();
            case "SHA256" -> new SHA256Digest();
            case "SHA384" -> new SHA384Digest();
            default -> throw new IllegalArgumentException(hash);
        };
    }
}
