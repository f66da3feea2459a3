package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.PinAuth;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.ObjectAttributes;
import org.tpmssh.tpm.transport.Tcti;

/** The PIN model on a real swtpm: PIN changes and resets, PIN-less keys, a stolen store, and no secret in any message. */
class TokenPinTest {
    private static final byte[] MSG = "signed after a PIN change".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    /** A swtpm, a key ring on its ECC SRK and Tokens over a store in the test's folder. */
    static final class Fixture implements AutoCloseable {
        final Swtpm swtpm;
        final KeyRing ring;
        final Tokens tokens;

        Fixture(Path store) throws Exception {
            swtpm = Swtpm.start();
            KeyRing r = null;
            try {
                Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open());
                DictionaryAttack.relaxForOwnSimulator(tpm);
                r = KeyRing.open(tpm, ParentKind.ECC.template());
                tokens = new Tokens(TokenStore.open(store), r, ParentKind.ECC);
                ring = r;
            } catch (Exception e) {
                if (r != null) {
                    r.close();
                }
                swtpm.close();
                throw e;
            }
        }

        @Override
        public void close() {
            ring.close();
            swtpm.close();
        }
    }

    static boolean verifies(Tokens tokens, String token, KeyRecord k, byte[] secret) throws Exception {
        byte[] digest = Alg.hash(Alg.SHA256, MSG);
        org.tpmssh.tpm.structures.Signature sig;
        try (var signer = tokens.signer(tokens.load(token, k), k, secret)) {
            sig = tokens.sign(token, signer, digest, Alg.ECDSA, Alg.SHA256);
        }
        Signature v = Signature.getInstance("SHA256withECDSA");
        v.initVerify(k.tpmPublic().toPublicKey());
        v.update(MSG);
        return v.verify(sig.toDer());
    }

    @Test
    void changeAndResetPinsKeepTheSameKeysUsable() throws Exception {
        try (Fixture fx = new Fixture(dir.resolve("store"))) {
            Tokens t = fx.tokens;
            t.init("tok", "1111".toCharArray(), "so-2222".toCharArray());
            byte[] secret = t.loginUser("tok", "1111".toCharArray());
            KeyRecord k = t.createKey("tok", KeyType.ECC_P256, "k", false, "", secret);
            assertThat(verifies(t, "tok", k, secret)).isTrue();

            t.changeUserPin("tok", "1111".toCharArray(), "3333".toCharArray());
            assertThatThrownBy(() -> t.loginUser("tok", "1111".toCharArray()))
                    .isInstanceOf(PinIncorrectException.class);
            assertThat(t.loginUser("tok", "3333".toCharArray())).isEqualTo(secret);

            t.resetUserPin("tok", "so-2222".toCharArray(), "4444".toCharArray());
            assertThatThrownBy(() -> t.loginUser("tok", "3333".toCharArray()))
                    .isInstanceOf(PinIncorrectException.class);
            byte[] again = t.loginUser("tok", "4444".toCharArray());
            assertThat(verifies(t, "tok", k, again)).isTrue();

            t.changeSoPin("tok", "so-2222".toCharArray(), "so-5555".toCharArray());
            assertThatThrownBy(() -> t.loginSo("tok", "so-2222".toCharArray()))
                    .isInstanceOf(PinIncorrectException.class).hasMessageContaining("SO PIN");
            assertThat(t.loginSo("tok", "so-5555".toCharArray())).isEqualTo(secret);
            assertThatThrownBy(() -> t.resetUserPin("tok", "so-2222".toCharArray(), "6666".toCharArray()))
                    .isInstanceOf(PinIncorrectException.class);
            assertThat(t.loginUser("tok", "4444".toCharArray())).as("a failed reset changes nothing")
                    .isEqualTo(secret);

            // The seals and keys are DA-protected: a PIN token's objects are never noDA.
            TokenRecord rec = t.store().requireToken("tok");
            assertThat(org.tpmssh.tpm.structures.TpmtPublic.fromBytes(rec.userSeal().publicArea()).attributes()
                    & ObjectAttributes.NO_DA).isZero();
            assertThat(k.tpmPublic().attributes() & ObjectAttributes.NO_DA).isZero();

            t.delete("tok");
            assertThat(dir.resolve("store/tokens/tok")).doesNotExist();
            assertThat(dir.resolve("store/store.json")).exists();
        }
    }

    @Test
    void loginsLeaveNoSealLoadedAndATpmRefusalOfSigningStaysTheTpms() throws Exception {
        try (Fixture fx = new Fixture(dir.resolve("store"))) {
            Tokens t = fx.tokens;
            t.init("tok", "user-pin-a".toCharArray(), "so-pin-b".toCharArray());
            int before = fx.ring.cache().loadedCount();
            byte[] secret = t.loginUser("tok", "user-pin-a".toCharArray());
            t.loginSo("tok", "so-pin-b".toCharArray());
            assertThatThrownBy(() -> t.loginUser("tok", "wrong-pin".toCharArray()))
                    .isInstanceOf(PinIncorrectException.class);
            assertThat(fx.ring.cache().loadedCount()).as("seals flushed after each login").isEqualTo(before);

            KeyRecord k = t.createKey("tok", KeyType.ECC_P256, "k", false, "", secret);
            try (var signer = t.signer(t.load("tok", k), k, secret)) {
                // A digest longer than any hash: TPM2_Sign refuses it, which says nothing about the key's file.
                assertThatThrownBy(() -> t.sign("tok", signer, new byte[100], Alg.ECDSA, Alg.SHA256))
                        .isInstanceOfSatisfying(TpmResponseException.class,
                                e -> assertThat(e.commandCode()).isEqualTo(CommandCode.SIGN));
            }
        }
    }

    @Test
    void pinlessTokensAndPinlessKeysSignWithoutLoginAndAreNoDa() throws Exception {
        try (Fixture fx = new Fixture(dir.resolve("store"))) {
            Tokens t = fx.tokens;
            TokenRecord free = t.init("free", null, null);
            assertThat(free.userSeal()).isNull();
            KeyRecord k = t.createKey("free", KeyType.ECC_P256, "k", false, "", null);
            assertThat(k.pinless()).isTrue();
            assertThat(k.tpmPublic().attributes() & ObjectAttributes.NO_DA).isNotZero();
            assertThat(verifies(t, "free", k, null)).isTrue();
            assertThatThrownBy(() -> t.loginUser("free", "x".toCharArray())).isInstanceOf(StoreException.class)
                    .hasMessageContaining("PIN-less");

            t.init("tok", "1111".toCharArray(), "so".toCharArray());
            KeyRecord open = t.createKey("tok", KeyType.ECC_P256, "open", true, "", null);
            assertThat(open.tpmPublic().attributes() & ObjectAttributes.NO_DA).isNotZero();
            assertThat(verifies(t, "tok", open, null)).as("PIN-less key on a PIN token, no login").isTrue();
            assertThatThrownBy(() -> t.createKey("tok", KeyType.ECC_P256, "needs", false, "", null))
                    .isInstanceOf(PinException.class).hasMessageContaining("log in");
        }
    }

    /**
     * The import hooks, with TPM2_Create standing in for TPM2_Import (which another part adds):
     * a key given the authValue from newKeyAuth signs after login like a created key.
     */
    @Test
    void importedKeysTakeTheirAuthValueFromTheTokenSecret() throws Exception {
        try (Fixture fx = new Fixture(dir.resolve("store"))) {
            Tokens t = fx.tokens;
            t.init("tok", "1111".toCharArray(), "so".toCharArray());
            byte[] secret = t.loginUser("tok", "1111".toCharArray());
            Tokens.NewKeyAuth na = t.newKeyAuth("tok", false, secret);
            var made = fx.ring.createBlob(org.tpmssh.tpm.structures.Templates.eccSigningKey(Alg.ECC_NIST_P256, false),
                    na.authValue(), null);
            KeyRecord k = t.addImportedKey("tok", na, "imported", "ecc-p256", made.outPublic(), made.outPrivate(), "");
            assertThat(k.origin()).isEqualTo(KeyRecord.IMPORTED);
            assertThat(verifies(t, "tok", t.store().keyByLabel("tok", "imported").orElseThrow(), secret)).isTrue();

            Tokens.NewKeyAuth wrong = t.newKeyAuth("tok", true, null);
            assertThatThrownBy(() -> t.addImportedKey("tok", wrong, "bad", "ecc-p256", made.outPublic(),
                    made.outPrivate(), "")).isInstanceOf(StoreException.class).hasMessageContaining("noDA");
        }
    }

    @Test
    void aStolenStoreIsInertOnAnotherTpm() throws Exception {
        Path store = dir.resolve("store");
        KeyRecord pinKey;
        KeyRecord freeKey;
        try (Fixture fx = new Fixture(store)) {
            fx.tokens.init("tok", "1111".toCharArray(), "so".toCharArray());
            byte[] secret = fx.tokens.loginUser("tok", "1111".toCharArray());
            pinKey = fx.tokens.createKey("tok", KeyType.ECC_P256, "k", false, "", secret);
            fx.tokens.init("free", null, null);
            freeKey = fx.tokens.createKey("free", KeyType.ECC_P256, "k", false, "", null);
        }
        Path stolen = dir.resolve("stolen");
        copyTree(store, stolen);
        try (Fixture other = new Fixture(stolen)) { // a new swtpm: new state dir, new seeds
            // Our own check names the problem first: the token records its storage key's Name.
            assertThatThrownBy(() -> other.tokens.loginUser("tok", "1111".toCharArray()))
                    .isInstanceOf(StoreException.class).hasMessageContaining("belongs to another TPM");
            // A thief would skip that check: drop the recorded Name, and the TPM itself refuses every blob.
            forgetParentNames(stolen);
            assertThatThrownBy(() -> other.tokens.loginUser("tok", "1111".toCharArray()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("cannot be loaded into this TPM").hasMessageContaining("TPM_RC_INTEGRITY");
            assertThatThrownBy(() -> verifies(other.tokens, "free", freeKey, null))
                    .isInstanceOf(StoreException.class).hasMessageContaining("made by another TPM");
            assertThatThrownBy(() -> verifies(other.tokens, "tok", pinKey, new byte[32]))
                    .isInstanceOf(StoreException.class).hasMessageContaining("cannot be loaded");
        }
    }

    private static void forgetParentNames(Path store) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(store)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().equals("token.json"))::iterator) {
                String json = java.nio.file.Files.readString(f);
                String edited = json.replaceAll("\"parentName\"\\s*:\\s*\"[^\"]*\"", "\"parentName\" : null");
                assertThat(edited).as("token.json records the parent's Name").isNotEqualTo(json);
                java.nio.file.Files.writeString(f, edited);
            }
        }
    }

    @Test
    void noPinAuthValueOrSecretAppearsInLogsMessagesOrFiles() throws Exception {
        String pin = "pin-7y3k-Q9";
        List<String> seen = new ArrayList<>();
        Logger root = Logger.getLogger("");
        Level before = root.getLevel();
        SimpleFormatter fmt = new SimpleFormatter();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                seen.add(fmt.format(r));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        root.setLevel(Level.ALL);
        root.addHandler(h);
        try (Fixture fx = new Fixture(dir.resolve("store"))) {
            Tokens t = fx.tokens;
            t.init("tok", pin.toCharArray(), ("so-" + pin).toCharArray());
            byte[] secret = t.loginUser("tok", pin.toCharArray());
            KeyRecord k = t.createKey("tok", KeyType.ECC_P256, "k", false, "", secret);
            for (String wrong : List.of(pin + "x", pin.substring(1))) {
                try {
                    t.loginUser("tok", wrong.toCharArray());
                } catch (Exception e) {
                    collect(e, seen);
                }
            }
            try {
                verifies(t, "tok", k, new byte[32]); // a wrong token secret: a wrong key authValue
            } catch (Exception e) {
                collect(e, seen);
            }
            assertThat(seen).as("the failures above produced messages to search").hasSizeGreaterThanOrEqualTo(3);

            byte[] salt = t.store().requireToken("tok").salt();
            List<byte[]> secrets = List.of(pin.getBytes(StandardCharsets.UTF_8), PinAuth.authValue(pin.toCharArray(),
                    salt), secret, Tokens.keyAuth(secret, k.id()));
            List<String> forms = new ArrayList<>();
            forms.add(pin);
            for (byte[] s : secrets.subList(1, secrets.size())) {
                forms.add(HexFormat.of().formatHex(s));
                forms.add(HexFormat.of().withUpperCase().formatHex(s));
                forms.add(Base64.getEncoder().encodeToString(s));
            }
            try (Stream<Path> files = Files.walk(dir.resolve("store"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    seen.add(Files.readString(f, StandardCharsets.ISO_8859_1));
                }
            }
            for (String text : seen) {
                for (String f : forms) {
                    assertThat(text).doesNotContain(f);
                }
            }
        } finally {
            root.removeHandler(h);
            root.setLevel(before);
        }
    }

    static void collect(Throwable e, List<String> out) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            out.add(String.valueOf(c.getMessage()));
            out.add(c.toString());
        }
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> w = Files.walk(from)) {
            for (Path p : w.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
