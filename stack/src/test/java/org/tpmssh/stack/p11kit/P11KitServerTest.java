package org.tpmssh.stack.p11kit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.p11kit.P11KitTestClient.Request;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Ckr;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.tpm.commands.DictionaryAttack;

/**
 * The p11-kit server in this JVM against a real swtpm, spoken to by a test client that frames
 * requests as p11-kit-client.so does. Every signature is checked by the JDK against the public key
 * read back over the same RPC (CKA_EC_POINT/CKA_EC_PARAMS, CKA_MODULUS/CKA_PUBLIC_EXPONENT).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class P11KitServerTest {
    static final byte[] MSG = "signed over p11-kit's RPC".getBytes(StandardCharsets.UTF_8);

    @TempDir
    static Path dir;
    P11KitFixture fixture;
    Path socket;
    final List<String> logged = new CopyOnWriteArrayList<>();
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(new java.util.logging.SimpleFormatter().formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    void start() throws Exception {
        fixture = P11KitFixture.start(dir, List.of(KeyType.ECC_P256, KeyType.ECC_P384, KeyType.ECC_P521,
                KeyType.RSA_2048), DictionaryAttack::relaxForOwnSimulator);
        socket = dir.resolve("run/p11kit.sock");
        fixture.serve(socket, P11KitOptions.defaults());
        Logger l = Logger.getLogger(P11KitServer.class.getName());
        l.setLevel(Level.ALL);
        capture.setLevel(Level.ALL);
        l.addHandler(capture);
    }

    @AfterAll
    void stop() {
        Logger.getLogger(P11KitServer.class.getName()).removeHandler(capture);
        if (fixture != null) {
            fixture.close();
        }
    }

    P11KitTestClient client() throws Exception {
        P11KitTestClient c = P11KitTestClient.connect(socket);
        assertThat(c.initialize().isError()).isFalse();
        return c;
    }

    long slotOf(P11KitTestClient c, String label) throws Exception {
        for (long slot : c.slots()) {
            if (c.tokenInfo(slot)[0].equals(label)) {
                return slot;
            }
        }
        throw new AssertionError("no slot for token " + label);
    }

    long privateKey(P11KitTestClient c, long session, String key) throws Exception {
        byte[] id = HexFormat.of().parseHex(fixture.keys.get(key).id());
        List<Long> h = c.find(session, new long[] {Ck.CKA_CLASS, Ck.CKA_ID}, new Object[] {Ck.CKO_PRIVATE_KEY, id});
        assertThat(h).as(key).hasSize(1);
        return h.get(0);
    }

    static PublicKey publicKey(P11KitTestClient c, long session, long handle) throws Exception {
        if (c.ulongAttribute(session, handle, Ck.CKA_KEY_TYPE) == Ck.CKK_RSA) {
            BigInteger n = new BigInteger(1, c.bytesAttribute(session, handle, Ck.CKA_MODULUS));
            BigInteger e = new BigInteger(1, c.bytesAttribute(session, handle, Ck.CKA_PUBLIC_EXPONENT));
            return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
        }
        AlgorithmParameters ap = AlgorithmParameters.getInstance("EC");
        ap.init(c.bytesAttribute(session, handle, Ck.CKA_EC_PARAMS));
        byte[] octet = c.bytesAttribute(session, handle, Ck.CKA_EC_POINT);
        int off = (octet[1] & 0x80) != 0 ? 2 + (octet[1] & 0x7f) : 2;
        int n = (octet.length - off - 1) / 2;
        ECPoint w = new ECPoint(new BigInteger(1, Arrays.copyOfRange(octet, off + 1, off + 1 + n)),
                new BigInteger(1, Arrays.copyOfRange(octet, off + 1 + n, octet.length)));
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w,
                ap.getParameterSpec(ECParameterSpec.class)));
    }

    static boolean verifies(String algorithm, PublicKey key, byte[] data, byte[] sig) throws Exception {
        Signature v = Signature.getInstance(algorithm);
        v.initVerify(key);
        v.update(data);
        return v.verify(sig);
    }

    byte[] signOnce(P11KitTestClient c, long session, long mechanism, long key, byte[] data) throws Exception {
        assertThat(c.signInit(session, mechanism, key)).as("C_SignInit 0x%x", mechanism).isZero();
        P11KitTestClient.Reply r = c.sign(session, data, 1024);
        assertThat(r.isError()).as("C_Sign 0x%x: 0x%x", mechanism, r.ckr()).isFalse();
        return r.byteArray();
    }

    @Test
    void theSocketIsPrivateAndTheModuleDescribesItself() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                .isEqualTo("rwx------");
        assertThat(fixture.server.address()).isEqualTo("unix:path=" + socket);
        try (P11KitTestClient c = client()) {
            P11KitTestClient.Reply info = c.call(new Request(P11KitTestClient.C_GET_INFO, ""));
            assertThat(info.signature).isEqualTo("vsusv");
            assertThat(info.version()).containsExactly(2, 40);
            assertThat(info.spaceString()).hasSize(32).startsWith("tpmssh ");
            // A size query gets the count only; then the list, in the store's order.
            P11KitTestClient.Reply count = c.call(new Request(P11KitTestClient.C_GET_SLOT_LIST, "yfu").u8(1).u32(0));
            assertThat(count.ulongArray()).isNull();
            assertThat(count.lastLength).isEqualTo(2);
            assertThat(c.slots()).hasSize(2);
        }
    }

    @Test
    void tokenFlagsFollowThePinModel() throws Exception {
        try (P11KitTestClient c = client()) {
            long pinned = (Long) c.tokenInfo(slotOf(c, "pinned"))[1];
            long free = (Long) c.tokenInfo(slotOf(c, "free"))[1];
            assertThat(pinned & Ck.CKF_LOGIN_REQUIRED).isNotZero();
            assertThat(pinned & Ck.CKF_USER_PIN_INITIALIZED).isNotZero();
            assertThat(pinned & Ck.CKF_USER_PIN_LOCKED).isZero();
            assertThat(free & Ck.CKF_LOGIN_REQUIRED).as("a PIN-less token asks for no login").isZero();
            assertThat(free & Ck.CKF_TOKEN_INITIALIZED).isNotZero();
        }
    }

    @Test
    void everyEcdsaMechanismSignsAndTheJdkVerifies() throws Exception {
        try (P11KitTestClient c = client()) {
            long s = c.openSession(slotOf(c, "pinned"));
            assertThat(c.login(s, Ck.CKU_USER, P11KitFixture.PIN)).isZero();
            for (String key : List.of("pinned/ecc-p256", "pinned/ecc-p384", "pinned/ecc-p521")) {
                long h = privateKey(c, s, key);
                PublicKey pub = publicKey(c, s, h);
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(MSG);
                assertThat(verifies("NONEwithECDSAinP1363Format", pub, digest,
                        signOnce(c, s, Ck.CKM_ECDSA, h, digest))).as(key + " CKM_ECDSA").isTrue();
                for (Map.Entry<Long, String> m : Map.of(Ck.CKM_ECDSA_SHA256, "SHA256", Ck.CKM_ECDSA_SHA384, "SHA384",
                        Ck.CKM_ECDSA_SHA512, "SHA512").entrySet()) {
                    byte[] sig = signOnce(c, s, m.getKey(), h, MSG);
                    assertThat(verifies(m.getValue() + "withECDSAinP1363Format", pub, MSG, sig)).as(key + " "
                            + m.getValue()).isTrue();
                    byte[] tampered = MSG.clone();
                    tampered[0] ^= 1;
                    assertThat(verifies(m.getValue() + "withECDSAinP1363Format", pub, tampered, sig)).isFalse();
                }
            }
        }
    }

    @Test
    void everyRsaMechanismSignsAndTheJdkVerifies() throws Exception {
        try (P11KitTestClient c = client()) {
            long s = c.openSession(slotOf(c, "pinned"));
            assertThat(c.login(s, Ck.CKU_USER, P11KitFixture.PIN)).isZero();
            long h = privateKey(c, s, "pinned/rsa-2048");
            PublicKey pub = publicKey(c, s, h);
            byte[] d256 = MessageDigest.getInstance("SHA-256").digest(MSG);
            byte[] info = concat(HexFormat.of().parseHex("3031300d060960864801650304020105000420"), d256);
            assertThat(verifies("NONEwithRSA", pub, info, signOnce(c, s, Ck.CKM_RSA_PKCS, h, info))).isTrue();
            for (Map.Entry<Long, String> m : Map.of(Ck.CKM_SHA256_RSA_PKCS, "SHA256withRSA", Ck.CKM_SHA384_RSA_PKCS,
                    "SHA384withRSA", Ck.CKM_SHA512_RSA_PKCS, "SHA512withRSA").entrySet()) {
                assertThat(verifies(m.getValue(), pub, MSG, signOnce(c, s, m.getKey(), h, MSG))).as(m.getValue())
                        .isTrue();
            }
            assertThat(c.signInitPss(s, h, Ck.CKM_SHA256, Ck.CKG_MGF1_SHA256, 32)).isZero();
            byte[] pss = c.sign(s, d256, 256).byteArray();
            Signature v = Signature.getInstance("RSASSA-PSS");
            v.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            v.initVerify(pub);
            v.update(MSG);
            assertThat(v.verify(pss)).as("CKM_RSA_PKCS_PSS").isTrue();
            assertThat(c.signInitPss(s, h, Ck.CKM_SHA256, Ck.CKG_MGF1_SHA256, 20)).isEqualTo(Ckr.MECHANISM_PARAM_INVALID);
        }
    }

    @Test
    void aLengthQueryOrASmallBufferKeepsTheSignatureActiveAndPartsAreGathered() throws Exception {
        try (P11KitTestClient c = client()) {
            long s = c.openSession(slotOf(c, "free"));
            long h = privateKey(c, s, "free/ecc-p256");
            PublicKey pub = publicKey(c, s, h);
            assertThat(c.signInit(s, Ck.CKM_ECDSA_SHA256, h)).isZero();
            P11KitTestClient.Reply query = c.sign(s, MSG, 0);
            assertThat(query.byteArray()).isNull();
            assertThat(query.lastLength).isEqualTo(64);
            P11KitTestClient.Reply small = c.sign(s, MSG, 10);
            assertThat(small.byteArray()).as("too small: the length only, which the client turns into"
                    + " CKR_BUFFER_TOO_SMALL").isNull();
            assertThat(verifies("SHA256withECDSAinP1363Format", pub, MSG, c.sign(s, MSG, 64).byteArray())).isTrue();
            assertThat(c.sign(s, MSG, 64).ckr()).as("C_Sign ended it").isEqualTo(Ckr.OPERATION_NOT_INITIALIZED);

            assertThat(c.signInit(s, Ck.CKM_ECDSA_SHA256, h)).isZero();
            for (int i = 0; i < MSG.length; i += 7) {
                byte[] part = Arrays.copyOfRange(MSG, i, Math.min(MSG.length, i + 7));
                assertThat(c.call(new Request(P11KitTestClient.C_SIGN_UPDATE, "uay").u64(s).byteArray(part)).isError())
                        .isFalse();
            }
            byte[] sig = c.call(new Request(P11KitTestClient.C_SIGN_FINAL, "ufy").u64(s).u32(64)).byteArray();
            assertThat(verifies("SHA256withECDSAinP1363Format", pub, MSG, sig)).as("C_SignUpdate + C_SignFinal").isTrue();
        }
    }

    @Test
    void privateKeysAreHiddenUntilLoginAndEachConnectionIsItsOwnApplication() throws Exception {
        try (P11KitTestClient a = client(); P11KitTestClient b = client()) {
            long sa = a.openSession(slotOf(a, "pinned"));
            long sb = b.openSession(slotOf(b, "pinned"));
            long[] priv = {Ck.CKA_CLASS};
            Object[] privValue = {Ck.CKO_PRIVATE_KEY};
            assertThat(a.find(sa, priv, privValue)).isEmpty();
            assertThat(a.find(sa, priv, new Object[] {Ck.CKO_PUBLIC_KEY})).hasSize(4);
            assertThat(a.login(sa, Ck.CKU_USER, P11KitFixture.PIN)).isZero();
            assertThat(a.find(sa, priv, privValue)).hasSize(4);
            assertThat(b.find(sb, priv, privValue)).as("the other client did not log in").isEmpty();
            P11KitTestClient.Reply state = a.call(new Request(P11KitTestClient.C_GET_SESSION_INFO, "u").u64(sa));
            state.u64();
            assertThat(state.u64()).isEqualTo(Ck.CKS_RW_USER_FUNCTIONS);
            assertThat(a.login(sa, Ck.CKU_USER, P11KitFixture.PIN)).isEqualTo(Ckr.USER_ALREADY_LOGGED_IN);
            // Closing the last session on the token logs the application out.
            assertThat(a.call(new Request(P11KitTestClient.C_CLOSE_SESSION, "u").u64(sa)).isError()).isFalse();
            long again = a.openSession(slotOf(a, "pinned"));
            assertThat(a.find(again, priv, privValue)).isEmpty();
        }
    }

    @Test
    void callsATokenCannotServeAnswerTheirCkrCodes() throws Exception {
        try (P11KitTestClient fresh = P11KitTestClient.connect(socket)) {
            assertThat(fresh.call(new Request(P11KitTestClient.C_GET_INFO, "")).ckr())
                    .isEqualTo(Ckr.CRYPTOKI_NOT_INITIALIZED);
            assertThat(fresh.initialize().isError()).isFalse();
            assertThat(fresh.initialize().ckr()).isEqualTo(Ckr.CRYPTOKI_ALREADY_INITIALIZED);
        }
        try (P11KitTestClient c = client()) {
            long s = c.openSession(slotOf(c, "free"));
            long key = privateKey(c, s, "free/ecc-p256");
            assertThat(c.call(new Request(P11KitTestClient.C_GET_TOKEN_INFO, "u").u64(99)).ckr())
                    .isEqualTo(Ckr.SLOT_ID_INVALID);
            assertThat(c.call(new Request(P11KitTestClient.C_OPEN_SESSION, "uu").u64(slotOf(c, "free")).u64(0)).ckr())
                    .isEqualTo(Ckr.SESSION_PARALLEL_NOT_SUPPORTED);
            assertThat(c.signInit(12345, Ck.CKM_ECDSA, key)).isEqualTo(Ckr.SESSION_HANDLE_INVALID);
            assertThat(c.signInit(s, 0x1234, key)).isEqualTo(Ckr.MECHANISM_INVALID);
            assertThat(c.signInit(s, Ck.CKM_SHA256_RSA_PKCS, key)).isEqualTo(Ckr.KEY_TYPE_INCONSISTENT);
            assertThat(c.call(new Request(P11KitTestClient.C_SIGN_INIT, "uMu").u64(s).u32(Ck.CKM_ECDSA)
                    .bytes(new byte[] {1, 2}).u64(key)).ckr()).isEqualTo(Ckr.MECHANISM_PARAM_INVALID);
            assertThat(c.sign(s, MSG, 64).ckr()).isEqualTo(Ckr.OPERATION_NOT_INITIALIZED);
            assertThat(c.call(new Request(P11KitTestClient.C_ENCRYPT_INIT, "uMu").u64(s).u32(1).bytes(null).u64(key))
                    .ckr()).isEqualTo(Ckr.FUNCTION_NOT_SUPPORTED);
            assertThat(c.call(new Request(P11KitTestClient.C_VERIFY_INIT, "uMu").u64(s).u32(Ck.CKM_ECDSA).bytes(null)
                    .u64(key)).ckr()).isEqualTo(Ckr.FUNCTION_NOT_SUPPORTED);
            assertThat(c.call(new Request(P11KitTestClient.C_GENERATE_KEY_PAIR, "uMaAaA").u64(99).u32(0x1040)
                    .bytes(null).u32(0).u32(0)).ckr()).as("the session is checked first")
                    .isEqualTo(Ckr.SESSION_HANDLE_INVALID);
            assertThat(c.call(new Request(P11KitTestClient.C_SEED_RANDOM, "uay").u64(s).byteArray(new byte[8])).ckr())
                    .isEqualTo(Ckr.RANDOM_SEED_NOT_SUPPORTED);
            byte[] random = c.call(new Request(P11KitTestClient.C_GENERATE_RANDOM, "ufy").u64(s).u32(48)).byteArray();
            assertThat(random).hasSize(48).isNotEqualTo(new byte[48]);
            assertThat(c.call(new Request(P11KitTestClient.C_GENERATE_RANDOM, "ufy").u64(s).u32(70_000)).ckr())
                    .as("at most 64 KiB a call").isEqualTo(Ckr.ARGUMENTS_BAD);
            assertThat(c.signInit(s, Ck.CKM_ECDSA_SHA256, key)).isZero();
            byte[] part = new byte[600 * 1024];
            assertThat(c.call(new Request(P11KitTestClient.C_SIGN_UPDATE, "uay").u64(s).byteArray(part)).isError())
                    .isFalse();
            assertThat(c.call(new Request(P11KitTestClient.C_SIGN_UPDATE, "uay").u64(s).byteArray(part)).ckr())
                    .as("parts up to 1 MiB").isEqualTo(Ckr.DATA_LEN_RANGE);
            assertThat(c.signInit(s, Ck.CKM_ECDSA_SHA256, key)).as("the refused signature was ended").isZero();
            assertThat(c.call(new Request(P11KitTestClient.C_GET_MECHANISM_INFO, "uu").u64(slotOf(c, "free"))
                    .u64(0x1234)).ckr()).isEqualTo(Ckr.MECHANISM_INVALID);
            P11KitTestClient.Reply mechanisms = c.call(new Request(P11KitTestClient.C_GET_MECHANISM_LIST, "ufu")
                    .u64(slotOf(c, "free")).u32(32));
            assertThat(mechanisms.ulongArray()).contains(Ck.CKM_ECDSA, Ck.CKM_ECDSA_SHA256, Ck.CKM_RSA_PKCS,
                    Ck.CKM_SHA512_RSA_PKCS, Ck.CKM_RSA_PKCS_PSS);
        }
    }

    @Test
    void attributesThatCannotBeGivenAreMarkedBesideTheArray() throws Exception {
        try (P11KitTestClient c = client()) {
            long s = c.openSession(slotOf(c, "free"));
            long key = privateKey(c, s, "free/ecc-p256");
            // CKA_VALUE of a private key, an unknown type, and a label into a 2-byte buffer.
            P11KitTestClient.Reply r = c.call(new Request(P11KitTestClient.C_GET_ATTRIBUTE_VALUE, "uufA").u64(s)
                    .u64(key).u32(3).u32(Ck.CKA_VALUE).u32(64).u32(0x7777).u32(8).u32(Ck.CKA_LABEL).u32(2));
            assertThat(r.isError()).isFalse();
            assertThat(r.u32count()).isEqualTo(3);
            assertThat(r.attribute(false, false)[1]).isNull();
            assertThat(r.attribute(false, false)[1]).isNull();
            assertThat(r.attribute(false, false)[1]).isNull();
            assertThat(r.u64()).as("the first reason: CKR_ATTRIBUTE_SENSITIVE").isEqualTo(Ckr.ATTRIBUTE_SENSITIVE);
            P11KitTestClient.Reply sizes = c.call(new Request(P11KitTestClient.C_GET_ATTRIBUTE_VALUE, "uufA").u64(s)
                    .u64(key).u32(2).u32(Ck.CKA_CLASS).u32(0).u32(Ck.CKA_SIGN).u32(0));
            sizes.u32count();
            assertThat(sizes.attribute(true, false)[2]).as("sizeof(CK_ULONG)").isEqualTo(8L);
            assertThat(sizes.attribute(false, true)[2]).as("sizeof(CK_BBOOL)").isEqualTo(1L);
            assertThat(c.bytesAttribute(s, key, Ck.CKA_LABEL)).isEqualTo("robot".getBytes(StandardCharsets.UTF_8));
            assertThat(c.call(new Request(P11KitTestClient.C_GET_ATTRIBUTE_VALUE, "uufA").u64(s).u64(424242).u32(1)
                    .u32(Ck.CKA_LABEL).u32(0)).ckr()).isEqualTo(Ckr.OBJECT_HANDLE_INVALID);
        }
    }

    @Test
    void garbageGetsAnErrorReplyOrAHangUpAndTheServerKeepsServing() throws Exception {
        byte[] handshake = P11KitTestClient.HANDSHAKE;
        List<byte[]> malformed = List.of(
                new byte[0],
                new byte[] {0, 0, 0},
                new Request(0, "").toBytes(), // ERROR is a reply, never a request
                new Request(9999, "u").toBytes(),
                new Request(P11KitTestClient.C_GET_INFO, "u").toBytes(), // wrong signature
                new Request(P11KitTestClient.C_OPEN_SESSION, "uu").u64(0).toBytes(), // truncated
                new Request(P11KitTestClient.C_OPEN_SESSION, "uu").u64(0).u64(4).u64(7).toBytes(), // trailing bytes
                new Request(P11KitTestClient.C_LOGIN, "uuay").u64(1).u64(1).u8(1).u32(0x7fff_fff0L).toBytes(),
                new Request(P11KitTestClient.C_FIND_OBJECTS_INIT, "uaA").u64(1).u32(0xffff_ffffL).toBytes(),
                new Request(P11KitTestClient.C_GET_ATTRIBUTE_VALUE, "uufA").u64(1).u64(1).u32(0x4000_0000L).toBytes(),
                new Request(P11KitTestClient.C_FIND_OBJECTS_INIT, "uaA").u64(1).u32(1).u32(0x40000211L).u8(1).u32(4)
                        .u32(1).toBytes(), // a nested attribute array
                new Request(P11KitTestClient.C_INITIALIZE, "ayyay").byteArray(Arrays.copyOf(handshake, 10)).u8(0)
                        .byteArray(new byte[] {0}).toBytes());
        try (P11KitTestClient c = P11KitTestClient.connect(socket)) {
            for (byte[] body : malformed) {
                P11KitTestClient.Reply r = new P11KitTestClient.Reply(c.send(body));
                assertThat(r.isError()).as("reply to %s", HexFormat.of().formatHex(body)).isTrue();
                assertThat(r.ckr()).isIn(Ckr.DEVICE_ERROR, Ckr.GENERAL_ERROR, Ckr.CRYPTOKI_NOT_INITIALIZED);
            }
            assertThat(c.initialize().isError()).as("the same connection still works").isFalse();
            assertThat(c.slots()).hasSize(2);
        }
        // Headers that cannot be framed end that connection only.
        for (byte[] header : List.of(frame(0, 0, 8), frame(17, 0, 0xffff_ffffL), frame(17, 1 << 20, 4))) {
            try (P11KitTestClient c = P11KitTestClient.connect(socket)) {
                c.sendRaw(header);
                assertThat(c.closedByServer()).as("hang-up after %s", HexFormat.of().formatHex(header)).isTrue();
            }
        }
        try (P11KitTestClient c = client()) {
            long s = c.openSession(slotOf(c, "free"));
            long h = privateKey(c, s, "free/ecc-p256");
            assertThat(verifies("SHA256withECDSAinP1363Format", publicKey(c, s, h), MSG,
                    signOnce(c, s, Ck.CKM_ECDSA_SHA256, h, MSG))).as("a new client signs after the garbage").isTrue();
        }
    }

    @Test
    void randomMutationsOfRealRequestsNeverStopTheServer() throws Exception {
        java.util.Random random = new java.util.Random(13);
        List<byte[]> seeds = RecordedMessages.load().requests();
        try (P11KitTestClient c = client()) {
            for (int i = 0; i < 400; i++) {
                byte[] body = seeds.get(random.nextInt(seeds.size())).clone();
                int flips = 1 + random.nextInt(4);
                for (int f = 0; f < flips && body.length > 0; f++) {
                    body[random.nextInt(body.length)] = (byte) random.nextInt(256);
                }
                if (random.nextBoolean() && body.length > 4) {
                    body = Arrays.copyOf(body, random.nextInt(body.length));
                }
                P11KitTestClient.Reply r = new P11KitTestClient.Reply(c.send(body));
                assertThat(r.call).as("a reply names a call or ERROR").isBetween(0L, 65L);
            }
        }
        try (P11KitTestClient c = client()) {
            assertThat(c.slots()).hasSize(2);
        }
    }

    @Test
    void theSoSetsTheUserPinAndTheUserChangesIt() throws Exception {
        String newPin = "77553";
        try (P11KitTestClient c = client()) {
            long slot = slotOf(c, "pinned");
            long s = c.openSession(slot);
            P11KitTestClient.Reply readOnly = c.call(new Request(P11KitTestClient.C_OPEN_SESSION, "uu").u64(slot)
                    .u64(Ck.CKF_SERIAL_SESSION));
            long ro = readOnly.u64();
            assertThat(c.login(s, Ck.CKU_SO, P11KitFixture.SO_PIN)).isEqualTo(Ckr.SESSION_READ_ONLY_EXISTS);
            assertThat(c.call(new Request(P11KitTestClient.C_CLOSE_SESSION, "u").u64(ro)).isError()).isFalse();
            assertThat(c.login(s, Ck.CKU_SO, P11KitFixture.SO_PIN)).isZero();
            assertThat(c.call(new Request(P11KitTestClient.C_OPEN_SESSION, "uu").u64(slot)
                    .u64(Ck.CKF_SERIAL_SESSION)).ckr()).isEqualTo(Ckr.SESSION_READ_WRITE_SO_EXISTS);
            assertThat(c.call(new Request(P11KitTestClient.C_INIT_PIN, "uay").u64(s)
                    .byteArray(newPin.getBytes(StandardCharsets.UTF_8))).isError()).isFalse();
            assertThat(c.call(new Request(P11KitTestClient.C_LOGOUT, "u").u64(s)).isError()).isFalse();
            assertThat(c.login(s, Ck.CKU_USER, P11KitFixture.PIN)).isEqualTo(Ckr.PIN_INCORRECT);
            assertThat(c.login(s, Ck.CKU_USER, newPin)).isZero();
            assertThat(c.call(new Request(P11KitTestClient.C_SET_PIN, "uayay").u64(s)
                    .byteArray(newPin.getBytes(StandardCharsets.UTF_8))
                    .byteArray(P11KitFixture.PIN.getBytes(StandardCharsets.UTF_8))).isError()).isFalse();
            long h = privateKey(c, s, "pinned/ecc-p256");
            assertThat(verifies("SHA256withECDSAinP1363Format", publicKey(c, s, h), MSG,
                    signOnce(c, s, Ck.CKM_ECDSA_SHA256, h, MSG))).as("the same key signs after both changes")
                    .isTrue();
        }
        try (P11KitTestClient c = client()) {
            long s = c.openSession(slotOf(c, "pinned"));
            assertThat(c.login(s, Ck.CKU_USER, P11KitFixture.PIN)).as("the original PIN is back").isZero();
        }
    }

    @Test
    void aClientThatStallsMidMessageIsDropped() throws Exception {
        Path other = dir.resolve("run2/stall.sock");
        try (P11KitServer quick = P11KitServer.start(other, fixture.tokens, org.tpmssh.stack.store.ParentKind.ECC,
                P11KitOptions.defaults().withFrameTimeout(java.time.Duration.ofMillis(300)))) {
            try (P11KitTestClient c = P11KitTestClient.connect(other)) {
                c.sendRaw(new byte[] {0, 0, 0, 17, 0, 0}); // half a header, then nothing
                long t0 = System.nanoTime();
                assertThat(c.closedByServer()).isTrue();
                assertThat(System.nanoTime() - t0).as("dropped, not left hanging")
                        .isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(20));
            }
            try (P11KitTestClient idle = P11KitTestClient.connect(other)) {
                Thread.sleep(600); // idle between calls is fine
                assertThat(idle.initialize().isError()).isFalse();
            }
        }
    }

    @Test
    void noPinAppearsInTheLog() throws Exception {
        logged.clear();
        try (P11KitTestClient c = client()) {
            long s = c.openSession(slotOf(c, "pinned"));
            assertThat(c.login(s, Ck.CKU_USER, "97531")).isEqualTo(Ckr.PIN_INCORRECT);
            assertThat(c.login(s, Ck.CKU_USER, P11KitFixture.PIN)).isZero();
        }
        assertThat(logged).anySatisfy(l -> assertThat(l).contains("CKR_PIN_INCORRECT"));
        assertThat(String.join("\n", logged)).doesNotContain("97531").doesNotContain(P11KitFixture.PIN);
    }

    static byte[] frame(long code, long options, long length) {
        return java.nio.ByteBuffer.allocate(12).putInt((int) code).putInt((int) options).putInt((int) length).array();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    KeyRecord key(String name) {
        return fixture.keys.get(name);
    }
}
