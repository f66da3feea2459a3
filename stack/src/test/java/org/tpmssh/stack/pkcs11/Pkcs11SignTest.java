package org.tpmssh.stack.pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * C_Sign for every mechanism and every key type the swtpm makes, through a PIN token. Each
 * signature is verified by the JDK's own Signature against the public key built from the
 * object's CKA_EC_POINT/CKA_EC_PARAMS or CKA_MODULUS/CKA_PUBLIC_EXPONENT (not from the TPM area).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Pkcs11SignTest {
    private static final char[] USER = "user-pin-5521".toCharArray();
    private static final char[] SO = "so-pin-99812".toCharArray();
    private static final byte[] MSG = "data signed by C_Sign".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;
    Swtpm swtpm;
    KeyRing ring;
    Tokens tokens;
    Cryptoki module;
    Session session;
    final Map<String, Long> handles = new LinkedHashMap<>();

    @BeforeAll
    void start() throws Exception {
        swtpm = Swtpm.start();
        Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open());
        DictionaryAttack.relaxForOwnSimulator(tpm);
        ring = KeyRing.open(tpm, ParentKind.ECC.template());
        tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
        tokens.init("tok", USER.clone(), SO.clone());
        module = new Cryptoki(tokens);
        session = module.openSession(module.slotOf("tok"));
        session.login(Ck.CKU_USER, USER.clone());
        for (KeyType t : List.of(KeyType.ECC_P256, KeyType.ECC_P384, KeyType.ECC_P521, KeyType.RSA_2048)) {
            KeyRecord k = session.createKey(t, t.label(), false, "test " + t.label());
            handles.put(t.label(), privateHandle(k));
        }
    }

    @AfterAll
    void stop() {
        if (module != null) {
            module.close();
        }
        if (ring != null) {
            ring.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    long privateHandle(KeyRecord k) throws Exception {
        List<Long> h = session.findObjects(Map.of(Ck.CKA_CLASS, Ck.CKO_PRIVATE_KEY,
                Ck.CKA_ID, HexFormat.of().parseHex(k.id())));
        assertThat(h).hasSize(1);
        return h.get(0);
    }

    PublicKey publicKeyFromAttributes(long h) throws Exception {
        return publicKeyFromAttributes(session, h);
    }

    static PublicKey publicKeyFromAttributes(Session session, long h) throws Exception {
        if ((Long) session.getAttribute(h, Ck.CKA_KEY_TYPE) == Ck.CKK_RSA) {
            BigInteger n = new BigInteger(1, (byte[]) session.getAttribute(h, Ck.CKA_MODULUS));
            BigInteger e = new BigInteger(1, (byte[]) session.getAttribute(h, Ck.CKA_PUBLIC_EXPONENT));
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
        }
        byte[] params = (byte[]) session.getAttribute(h, Ck.CKA_EC_PARAMS);
        java.security.AlgorithmParameters ap = java.security.AlgorithmParameters.getInstance("EC");
        ap.init(params);
        var spec = ap.getParameterSpec(java.security.spec.ECParameterSpec.class);
        byte[] octet = (byte[]) session.getAttribute(h, Ck.CKA_EC_POINT);
        int off = octet[1] == (byte) 0x81 ? 3 : 2;
        assertThat(octet[0]).isEqualTo((byte) 0x04);
        assertThat(octet[off]).as("uncompressed point").isEqualTo((byte) 0x04);
        int n = (octet.length - off - 1) / 2;
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(octet, off + 1, off + 1 + n));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(octet, off + 1 + n, octet.length));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), spec));
    }

    byte[] sign(Mechanism m, String key, byte[] data) throws Exception {
        session.signInit(m, handles.get(key));
        return session.sign(data);
    }

    static boolean jca(String alg, PublicKey pub, byte[] data, byte[] sig) throws Exception {
        Signature v = Signature.getInstance(alg);
        v.initVerify(pub);
        v.update(data);
        return v.verify(sig);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ecc-p256", "ecc-p384", "ecc-p521"})
    void ecdsaMechanismsGiveRAndSThatTheJdkAccepts(String key) throws Exception {
        PublicKey pub = publicKeyFromAttributes(handles.get(key));
        int n = key.equals("ecc-p256") ? 32 : key.equals("ecc-p384") ? 48 : 66;
        for (String h : List.of("SHA-256", "SHA-384", "SHA-512")) {
            byte[] digest = MessageDigest.getInstance(h).digest(MSG);
            byte[] raw = sign(Mechanism.of(Ck.CKM_ECDSA), key, digest);
            assertThat(raw).hasSize(2 * n);
            assertThat(jca("NONEwithECDSAinP1363Format", pub, digest, raw)).as("CKM_ECDSA " + h).isTrue();
        }
        Map<Long, String> hashed = Map.of(Ck.CKM_ECDSA_SHA256, "SHA256", Ck.CKM_ECDSA_SHA384, "SHA384",
                Ck.CKM_ECDSA_SHA512, "SHA512");
        for (var e : hashed.entrySet()) {
            byte[] sig = sign(Mechanism.of(e.getKey()), key, MSG);
            assertThat(jca(e.getValue() + "withECDSAinP1363Format", pub, MSG, sig)).as(e.getValue()).isTrue();
            byte[] tampered = MSG.clone();
            tampered[0] ^= 1;
            assertThat(jca(e.getValue() + "withECDSAinP1363Format", pub, tampered, sig)).isFalse();
        }
    }

    @Test
    void rsaMechanismsGiveSignaturesTheJdkAccepts() throws Exception {
        PublicKey pub = publicKeyFromAttributes(handles.get("rsa-2048"));
        byte[] d256 = MessageDigest.getInstance("SHA-256").digest(MSG);
        byte[] digestInfo = concat(HexFormat.of().parseHex("3031300d060960864801650304020105000420"), d256);
        assertThat(jca("NONEwithRSA", pub, digestInfo, sign(Mechanism.of(Ck.CKM_RSA_PKCS), "rsa-2048", digestInfo)))
                .isTrue();
        assertThat(jca("SHA256withRSA", pub, MSG, sign(Mechanism.of(Ck.CKM_SHA256_RSA_PKCS), "rsa-2048", MSG)))
                .isTrue();
        assertThat(jca("SHA512withRSA", pub, MSG, sign(Mechanism.of(Ck.CKM_SHA512_RSA_PKCS), "rsa-2048", MSG)))
                .isTrue();
        byte[] pss = sign(Mechanism.pss(Ck.CKM_SHA256, Ck.CKG_MGF1_SHA256, 32), "rsa-2048", d256);
        Signature v = Signature.getInstance("RSASSA-PSS");
        v.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
        v.initVerify(pub);
        v.update(MSG);
        assertThat(v.verify(pss)).as("CKM_RSA_PKCS_PSS, salt = hash length").isTrue();
    }

    @Test
    void keyObjectsCarryTheAttributesAPkcs11UserExpects() throws Exception {
        long h = handles.get("ecc-p256");
        assertThat(session.getAttribute(h, Ck.CKA_SENSITIVE)).isEqualTo(true);
        assertThat(session.getAttribute(h, Ck.CKA_EXTRACTABLE)).isEqualTo(false);
        assertThat(session.getAttribute(h, Ck.CKA_SIGN)).isEqualTo(true);
        assertThat(session.getAttribute(h, Ck.CKA_PRIVATE)).isEqualTo(true);
        assertThat(session.getAttribute(h, Ck.CKA_LABEL)).isEqualTo("ecc-p256".getBytes(StandardCharsets.UTF_8));
        assertThat(session.getAttribute(h, Ck.CKA_EC_PARAMS)).isEqualTo(HexFormat.of().parseHex("06082a8648ce3d030107"));
        assertThatThrownBy(() -> session.getAttribute(h, 0x11L)).isInstanceOfSatisfying(Pkcs11Exception.class,
                e -> assertThat(e.ckr()).isEqualTo(Ckr.ATTRIBUTE_SENSITIVE));
        assertThat(session.findObjects(Map.of(Ck.CKA_LABEL, "rsa-2048"))).hasSize(2); // private and public
        assertThat(session.findObjects(Map.of(Ck.CKA_KEY_TYPE, Ck.CKK_EC, Ck.CKA_CLASS, Ck.CKO_PUBLIC_KEY)))
                .hasSize(3);
        TokenInfo info = module.tokenInfo(module.slotOf("tok"));
        assertThat(info.has(Ck.CKF_LOGIN_REQUIRED)).isTrue();
        assertThat(info.has(Ck.CKF_TOKEN_INITIALIZED)).isTrue();
        assertThat(info.has(Ck.CKF_USER_PIN_LOCKED)).isFalse();
    }

    @Test
    void callersGetTheCkrCodesPkcs11Defines() throws Exception {
        long ec = handles.get("ecc-p256");
        assertCkr(() -> session.sign(MSG), Ckr.OPERATION_NOT_INITIALIZED);
        assertCkr(() -> session.signInit(Mechanism.of(0x1234L), ec), Ckr.MECHANISM_INVALID);
        assertCkr(() -> session.signInit(Mechanism.of(Ck.CKM_ECDSA), 999_999L), Ckr.KEY_HANDLE_INVALID);
        assertCkr(() -> session.signInit(Mechanism.of(Ck.CKM_SHA256_RSA_PKCS), ec), Ckr.KEY_TYPE_INCONSISTENT);
        session.signInit(Mechanism.of(Ck.CKM_ECDSA), ec);
        assertCkr(() -> session.sign(new byte[31]), Ckr.DATA_LEN_RANGE);
        assertCkr(() -> session.sign(new byte[32]), Ckr.OPERATION_NOT_INITIALIZED); // C_Sign ended it
        session.signInit(Mechanism.of(Ck.CKM_RSA_PKCS), handles.get("rsa-2048"));
        assertCkr(() -> session.sign(new byte[300]), Ckr.DATA_LEN_RANGE);
        assertCkr(() -> session.signInit(Mechanism.pss(Ck.CKM_SHA256, Ck.CKG_MGF1_SHA256, 20),
                handles.get("rsa-2048")), Ckr.MECHANISM_PARAM_INVALID);
    }

    @Test
    void privateKeysNeedTheUserToBeLoggedIn() throws Exception {
        Session other = module.openSession(module.slotOf("tok"));
        session.logout();
        try {
            assertThat(other.findObjects(Map.of(Ck.CKA_CLASS, Ck.CKO_PRIVATE_KEY))).isEmpty();
            assertThat(other.findObjects(Map.of(Ck.CKA_CLASS, Ck.CKO_PUBLIC_KEY))).hasSizeGreaterThanOrEqualTo(4);
            assertCkr(() -> other.signInit(Mechanism.of(Ck.CKM_ECDSA), handles.get("ecc-p256")),
                    Ckr.USER_NOT_LOGGED_IN);
            assertCkr(() -> other.login(Ck.CKU_USER, "wrong".toCharArray()), Ckr.PIN_INCORRECT);
        } finally {
            session.login(Ck.CKU_USER, USER.clone());
        }
        assertCkr(() -> other.login(Ck.CKU_USER, USER.clone()), Ckr.USER_ALREADY_LOGGED_IN);
        other.signInit(Mechanism.of(Ck.CKM_ECDSA_SHA256), handles.get("ecc-p256"));
        assertThat(other.sign(MSG)).hasSize(64);
    }

    @Test
    void aPinlessTokenSignsWithoutLoginAndDoesNotAskForOne() throws Exception {
        tokens.init("free", null, null);
        Cryptoki other = new Cryptoki(tokens);
        Session s = other.openSession(other.slotOf("free"));
        KeyRecord k = s.createKey(KeyType.ECC_P256, "free-key", false, "");
        assertThat(k.pinless()).isTrue();
        TokenInfo info = other.tokenInfo(other.slotOf("free"));
        assertThat(info.has(Ck.CKF_LOGIN_REQUIRED)).isFalse();
        assertThat(info.has(Ck.CKF_TOKEN_INITIALIZED)).isTrue();
        List<Long> h = s.findObjects(Map.of(Ck.CKA_CLASS, Ck.CKO_PRIVATE_KEY));
        assertThat(h).hasSize(1);
        assertThat(s.getAttribute(h.get(0), Ck.CKA_PRIVATE)).isEqualTo(false);
        assertThat(s.getAttribute(h.get(0), Ck.CKA_EXTRACTABLE)).isEqualTo(false);
        s.signInit(Mechanism.of(Ck.CKM_ECDSA_SHA384), h.get(0));
        assertThat(jca("SHA384withECDSAinP1363Format", publicKeyFromAttributes(s, h.get(0)), MSG, s.sign(MSG)))
                .isTrue();
        other.close();
    }

    /** swtpm (libtpms 0.9) implements RSA-3072, so a refusal here is a failure, never a skip. */
    @Test
    void rsa3072IsCreatedAndSigns() throws Exception {
        KeyRecord k = session.createKey(KeyType.RSA_3072, "rsa-3072", false, "");
        long h = privateHandle(k);
        PublicKey pub = publicKeyFromAttributes(h);
        assertThat(((java.security.interfaces.RSAPublicKey) pub).getModulus().bitLength()).isEqualTo(3072);
        session.signInit(Mechanism.of(Ck.CKM_SHA256_RSA_PKCS), h);
        assertThat(jca("SHA256withRSA", pub, MSG, session.sign(MSG))).as("JCA verifies the RSA-3072 signature")
                .isTrue();
    }

    interface Call {
        void run() throws Exception;
    }

    static void assertCkr(Call c, long ckr) {
        assertThatThrownBy(c::run).isInstanceOfSatisfying(Pkcs11Exception.class,
                e -> assertThat(e.ckrName()).isEqualTo(Ckr.name(ckr)));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
