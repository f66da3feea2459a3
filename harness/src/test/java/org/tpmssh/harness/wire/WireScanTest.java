package org.tpmssh.harness.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.harness.wire.WireScan.Direction;
import org.tpmssh.harness.wire.WireScan.Encoding;
import org.tpmssh.harness.wire.WireScan.Finding;
import org.tpmssh.harness.wire.WireScan.Secret;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.harness.tpm2pkcs11.PtoolStore;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.keys.PinAuth;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.commands.Unseal;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.sessions.HmacSession;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * The scan of captured TPM traffic for secrets in clear: its encodings on frames built here (no TPM), then our
 * stack's whole life on a real swtpm (clean), a control run with parameter encryption off (caught), and the
 * same scan over tpm2-pkcs11 through tpm2-abrmd (recorded as a finding).
 */
class WireScanTest {
    private static final byte[] PLANTED = "planted-secret-77c1".getBytes(StandardCharsets.UTF_8);

    /** Fakes an exchange: the command frame is whatever the test wrote, no TPM involved. */
    private static Exchange frame(long seq, byte[] bytes) {
        return new Exchange(seq, 1, bytes, null, null, new Exchange.Timing(0, 0, 0), null, null, null);
    }

    private static byte[] framed(String prefix, byte[] inner, String suffix) {
        byte[] p = prefix.getBytes(StandardCharsets.US_ASCII);
        byte[] s = suffix.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[p.length + inner.length + s.length];
        System.arraycopy(p, 0, out, 0, p.length);
        System.arraycopy(inner, 0, out, p.length, inner.length);
        System.arraycopy(s, 0, out, p.length + inner.length, s.length);
        return out;
    }

    @Test
    void aPlantedSecretIsFoundInEveryEncodingAndAtEveryBase64Alignment() {
        List<Exchange> frames = new ArrayList<>();
        frames.add(frame(1, framed("\u0080\u0001xx", PLANTED, "yy")));
        frames.add(frame(2, framed("hex:", HexFormat.of().formatHex(PLANTED).getBytes(StandardCharsets.US_ASCII), "")));
        frames.add(frame(3, framed("HEX:", HexFormat.of().withUpperCase().formatHex(PLANTED)
                .getBytes(StandardCharsets.US_ASCII), "")));
        for (int shift = 0; shift < 3; shift++) {
            byte[] inside = new byte[shift + PLANTED.length + 2];
            inside[0] = 0x7f;
            System.arraycopy(PLANTED, 0, inside, shift, PLANTED.length);
            frames.add(frame(4 + shift, Base64.getEncoder().encode(inside)));
        }
        byte[] urlOnly = new byte[] {(byte) 0xfb, (byte) 0xff, (byte) 0xbf, 0x11, 0x22};
        frames.add(frame(7, Base64.getUrlEncoder().encode(urlOnly)));
        frames.add(frame(8, "nothing to see here".getBytes(StandardCharsets.US_ASCII)));

        List<Finding> found = WireScan.scan(frames, List.of(new Secret("planted", PLANTED),
                new Secret("url-safe", urlOnly)));

        assertThat(found).extracting(Finding::exchange).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(found).extracting(Finding::encoding).containsExactly(Encoding.RAW, Encoding.HEX_LOWER,
                Encoding.HEX_UPPER, Encoding.BASE64, Encoding.BASE64, Encoding.BASE64, Encoding.BASE64_URL);
        assertThat(found.get(0).offset()).isEqualTo(4);
        assertThat(found.get(0).direction()).isEqualTo(Direction.COMMAND);
        assertThat(found).allSatisfy(f -> assertThat(f.toString()).doesNotContain("planted-secret"));
        assertThat(new Secret("planted", PLANTED).toString()).doesNotContain("planted-secret");
    }

    @Test
    void ourStackNeverSendsAPinAuthValueTokenSecretOrPrivateKeyInClearAndTheControlRunCatchesTheSecret(
            @TempDir Path dir) throws Exception {
        try (WireFixture fx = WireFixture.start(); OurStack stack = OurStack.open(fx.tpm(), dir)) {
            KeyRecord record = stack.provision();
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair imported = g.generateKeyPair();
            byte[] secret = stack.login().clone();
            TokenKeys.importKey(stack.tokens, OurStack.TOKEN, "imported", imported, false, "wire import", secret);
            TpmObject key = stack.tokens.load(OurStack.TOKEN, record);
            stack.sign(key, record, "a login".getBytes(StandardCharsets.UTF_8));

            TokenRecord token = stack.tokens.store().requireToken(OurStack.TOKEN);
            List<Secret> secrets = List.of(
                    Secret.utf8("user PIN", OurStack.PIN), Secret.utf8("SO PIN", OurStack.SO_PIN),
                    new Secret("user PIN authValue", PinAuth.authValue(OurStack.PIN, token.salt())),
                    new Secret("SO PIN authValue", PinAuth.authValue(OurStack.SO_PIN, token.salt())),
                    new Secret("token secret", secret),
                    new Secret("key authValue", Tokens.keyAuth(secret, record.id())),
                    new Secret("imported private key", unsigned32(((ECPrivateKey) imported.getPrivate()).getS())));
            List<Exchange> life = fx.proxy.exchanges();

            assertThat(life).extracting(Exchange::commandName).contains("Create", "Unseal", "Import", "Sign");
            assertThat(WireScan.bytesScanned(life)).isGreaterThan(5_000);
            System.out.println("[wire] java | whole life | " + WireScan.bytesScanned(life) + " bytes scanned in "
                    + life.size() + " exchanges");
            assertThat(WireScan.scan(life, secrets)).as("secrets in clear on the wire").isEmpty();

            // Control: the same unseal of the same token secret, through a session with parameter encryption off.
            KeyRing ring = stack.tokens.ring();
            Tpm tpm = ring.tpm();
            TpmObject seal = ring.register(token.userSeal().privateBlob(),
                    TpmtPublic.fromBytes(token.userSeal().publicArea()), "control seal");
            HmacSession clear = ring.cache().use(ring.srk(), h -> tpm.startHmacSession(h, ring.srk().publicArea(),
                    new AuthHandle(h, ring.srk().name(), null, Session.password()), 0 /* no DECRYPT, no ENCRYPT */));
            byte[] auth = PinAuth.authValue(OurStack.PIN, token.salt());
            byte[] unsealed;
            try (Operation control = fx.proxy.operation("control: unseal with parameter encryption off")) {
                unsealed = ring.cache().use(seal, h -> new Unseal(new AuthHandle(h, seal.name(), auth, clear))
                        .execute(tpm));
            } finally {
                tpm.flushSession(clear);
                ring.cache().release(seal);
            }
            assertThat(unsealed).isEqualTo(secret);
            List<Finding> caught = WireScan.scan(fx.proxy.operations().get(0).exchanges(), secrets);
            assertThat(caught).as("the control run's unseal carries the token secret in clear")
                    .anySatisfy(f -> {
                        assertThat(f.secret()).isEqualTo("token secret");
                        assertThat(f.command()).isEqualTo("Unseal");
                        assertThat(f.direction()).isEqualTo(Direction.RESPONSE);
                    });
        }
    }

    @Test
    void tpm2Pkcs11ThroughTabrmdIsScannedTheSameWayAndWhatItShowsIsRecorded(@TempDir Path dir) throws Exception {
        WireTpm2Pkcs11.assumeInstalled();
        try (WireFixture fx = WireFixture.start()) {
            WireTpm2Pkcs11 p11;
            try (Operation op = fx.proxy.operation("tpm2_ptool init, addtoken, addkey")) {
                p11 = WireTpm2Pkcs11.start(fx.proxy, dir);
            }
            try (p11) {
                Path digest = Files.write(dir.resolve("digest"), WireFixture.sha256(PLANTED));
                CommandResult sign;
                try (Operation op = fx.proxy.operation("pkcs11-tool --login --sign")) {
                    sign = p11.sign(digest, dir.resolve("signature"));
                }
                assertThat(sign.succeeded()).as(sign.describe()).isTrue();
            }
            List<Secret> secrets = new ArrayList<>(List.of(Secret.utf8("user PIN", WireTpm2Pkcs11.PIN),
                    Secret.utf8("SO PIN", WireTpm2Pkcs11.SO_PIN)));
            secrets.addAll(PtoolStore.sealAuthValues(dir.resolve("store").resolve("tpm2_pkcs11.sqlite3"),
                    WireTpm2Pkcs11.PIN, WireTpm2Pkcs11.SO_PIN));
            for (Operation op : fx.proxy.operations()) {
                List<Finding> findings = WireScan.scan(op.exchanges(), secrets);
                System.out.println("[wire] tpm2-pkcs11 | " + op.name() + " | " + WireScan.bytesScanned(op.exchanges())
                        + " bytes scanned | " + (findings.isEmpty() ? "nothing in clear" : findings));
            }
            Operation login = fx.proxy.operations().get(1);
            assertThat(login.counts().count("Unseal")).as("the scan covered C_Login's unseal").isEqualTo(1);
            assertThat(secrets).hasSize(4);
        }
    }

    private static byte[] unsigned32(java.math.BigInteger v) {
        byte[] b = v.toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, 32 - n, n);
        return out;
    }
}
