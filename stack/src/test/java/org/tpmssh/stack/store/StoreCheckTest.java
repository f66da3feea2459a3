package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.store.StoreCheck.Finding;
import org.tpmssh.stack.store.StoreCheck.Severity;
import org.tpmssh.tpm.structures.Templates;

/**
 * {@code token check} without a TPM: each kind of damage is found, named, judged recoverable or
 * not from what survives in the file, and nothing in the store changes. Records are made without a
 * TPM (see StoreFixtures), so the seals and blobs are filler; only the files are under test.
 */
class StoreCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GUIDE = "docs/SECURITY.md, \"Recovering from damaged files\"";

    @TempDir
    Path dir;

    private TokenStore store() throws Exception {
        return TokenStore.open(dir.resolve("store"));
    }

    private static TokenRecord pinToken(String label) {
        TokenRecord.Seal seal = new TokenRecord.Seal(Templates.sealedData(false).toBytes(),
                "sealed-blob".getBytes(StandardCharsets.UTF_8));
        return new TokenRecord(label, false, ParentKind.ECC, new byte[16], seal, seal, KeyRecord.now(), null);
    }

    private static KeyRecord pinKey(String label) {
        KeyRecord k = StoreFixtures.fakeKey(label);
        return new KeyRecord(k.id(), k.label(), k.algorithm(), k.origin(), false, k.parent(), k.publicArea(),
                k.privateBlob(), k.comment(), k.created());
    }

    @Test
    void aHealthyStoreHasNoFindings() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("a"));
        s.addToken(pinToken("b"));
        s.addKey("a", StoreFixtures.fakeKey("k"));
        StoreCheck.Report r = StoreCheck.files(s);
        assertThat(r.findings()).isEmpty();
        assertThat(r.damaged()).isFalse();
        assertThat(r.tokens()).extracting(t -> t.token().label() + ":" + t.keys()).containsExactly("a:1", "b:0");
    }

    @Test
    void aMissingStoreIsEmptyAndStaysMissing() throws Exception {
        StoreCheck.Report r = StoreCheck.files(store());
        assertThat(r.tokens()).isEmpty();
        assertThat(r.findings()).isEmpty();
        assertThat(dir.resolve("store")).doesNotExist();
    }

    @Test
    void aKeyFileCutAfterItsBlobsIsRecoverableAndOneCutInsideThemIsNot() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("t"));
        KeyRecord whole = StoreFixtures.fakeKey("whole");
        KeyRecord lost = StoreFixtures.fakeKey("lost");
        s.addKey("t", whole);
        s.addKey("t", lost);
        Path wholeFile = s.keyFile("t", whole.id());
        Path lostFile = s.keyFile("t", lost.id());
        cutBefore(wholeFile, "\"comment\"");
        cutBefore(lostFile, "\"privateBlob\"");

        List<Finding> f = checkUnchanged(s).findings();
        assertThat(f).extracting(Finding::severity).containsOnly(Severity.DAMAGED);
        assertThat(finding(f, wholeFile).problem()).startsWith("is cut short");
        assertThat(finding(f, wholeFile).recovery()).startsWith("Recoverable: its public area and private blob survive");
        assertThat(finding(f, lostFile).recovery()).startsWith("Not recoverable from this file")
                .contains("tpmssh key export").contains("tpmssh key add-file");
    }

    @Test
    void aPinTokenWhoseSealsAreGoneSaysItsPinKeysCannotBeUnlockedAndItsPinlessKeysStillLoad() throws Exception {
        TokenStore s = store();
        s.addToken(pinToken("work"));
        s.addKey("work", pinKey("pin1"));
        s.addKey("work", pinKey("pin2"));
        s.addKey("work", StoreFixtures.fakeKey("free"));
        Path f = s.tokenFile("work");
        cutBefore(f, "\"salt\"");

        StoreCheck.Report r = checkUnchanged(s);
        assertThat(r.damaged()).isTrue();
        assertThat(r.tokens()).isEmpty();
        Finding token = finding(r.findings(), f);
        assertThat(token.recovery()).startsWith("Not recoverable: the token's seal is gone")
                .contains("2 PIN keys").contains("1 PIN-less key still loads");
        DamagedStoreTest.assertNoDestructiveAdvice(token.recovery());
    }

    @Test
    void aPinTokenCutAfterItsSealsAndAPinlessTokenAreRecoverable() throws Exception {
        TokenStore s = store();
        s.addToken(pinToken("work"));
        s.addToken(StoreFixtures.pinlessToken("ci"));
        s.addKey("ci", StoreFixtures.fakeKey("k"));
        cutBefore(s.tokenFile("work"), "\"created\"");
        Files.write(s.tokenFile("ci"), new byte[0]);

        StoreCheck.Report r = checkUnchanged(s);
        assertThat(finding(r.findings(), s.tokenFile("work")).recovery())
                .startsWith("Recoverable: its salt and both seals survive");
        assertThat(finding(r.findings(), s.tokenFile("ci")).problem()).isEqualTo("is empty");
        assertThat(finding(r.findings(), s.tokenFile("ci")).recovery())
                .startsWith("Recoverable: a PIN-less token.json holds no secret").contains("1 key");
    }

    @Test
    void keysWithoutTokenJsonAreDamagedAndAnEmptyLeftoverDirectoryIsANote() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("gone"));
        s.addKey("gone", StoreFixtures.fakeKey("k"));
        s.addToken(StoreFixtures.pinlessToken("empty"));
        Files.delete(s.tokenFile("gone"));
        Files.delete(s.tokenFile("empty"));

        StoreCheck.Report r = checkUnchanged(s);
        Finding gone = finding(r.findings(), dir.resolve("store/tokens/gone"));
        assertThat(gone.severity()).isEqualTo(Severity.DAMAGED);
        assertThat(gone.problem()).contains("1 key file but no token.json");
        assertThat(gone.recovery()).contains("1 PIN-less key still loads");
        assertThat(finding(r.findings(), dir.resolve("store/tokens/empty")).severity()).isEqualTo(Severity.NOTE);
    }

    @Test
    void temporaryFilesOfInterruptedWritesAreNotesThatSayWhatTheyHold() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("t"));
        KeyRecord k = StoreFixtures.fakeKey("k");
        s.addKey("t", k);
        Path keys = dir.resolve("store/tokens/t/keys");
        byte[] keyBytes = Files.readAllBytes(s.keyFile("t", k.id()));
        Path partial = Files.write(keys.resolve(".00112233aabbccdd.json.123.tmp"), Arrays.copyOf(keyBytes, 30));
        // A key whose write was interrupted after the content but before the rename.
        Files.move(s.keyFile("t", k.id()), keys.resolve("." + k.id() + ".json.456.tmp"));
        Path newer = Files.copy(s.tokenFile("t"), dir.resolve("store/tokens/t/.token.json.789.tmp"));

        StoreCheck.Report r = checkUnchanged(s);
        assertThat(r.damaged()).isFalse();
        assertThat(finding(r.findings(), partial).problem()).startsWith("is an incomplete temporary file");
        assertThat(finding(r.findings(), keys.resolve("." + k.id() + ".json.456.tmp")))
                .satisfies(f -> assertThat(f.problem()).contains("complete record of key 'k'"))
                .satisfies(f -> assertThat(f.recovery()).startsWith("Renamed to " + k.id() + ".json, it joins"));
        assertThat(finding(r.findings(), newer).problem()).contains("token.json itself is intact");
    }

    @Test
    void aFileFromANewerTpmsshIsANoteNotDamage() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("t"));
        Files.writeString(s.tokenFile("t"), Files.readString(s.tokenFile("t")).replace("\"version\" : 1",
                "\"version\" : 2"));
        StoreCheck.Report r = checkUnchanged(s);
        assertThat(r.damaged()).isFalse();
        assertThat(finding(r.findings(), s.tokenFile("t")).problem()).contains("newer tpmssh");
    }

    @Test
    void aDamagedStoreJsonIsRecoverable() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("t"));
        Files.writeString(dir.resolve("store/store.json"), "{\"form");
        StoreCheck.Report r = checkUnchanged(store());
        assertThat(finding(r.findings(), dir.resolve("store/store.json")).recovery()).startsWith("Recoverable");
        assertThat(r.tokens()).hasSize(1);
    }

    /** The records docs/SECURITY.md tells a person to write by hand read back as sound. */
    @Test
    void theHandWrittenRecordsOfTheRecoveryGuideReadBackAsSound() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("ci"));
        KeyRecord k = StoreFixtures.fakeKey("k");
        s.addKey("ci", k);
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        Files.writeString(s.tokenFile("ci"), "{\"version\": 1, \"label\": \"ci\", \"pinless\": true, \"parent\":"
                + " \"ecc\", \"created\": null, \"parentName\": null}");
        Files.writeString(s.keyFile("ci", k.id()), "{\"version\": 1, \"id\": \"" + k.id() + "\", \"label\": \"L\","
                + " \"algorithm\": \"ecc-p256\", \"origin\": \"created\", \"pinless\": true, \"parent\": \"ecc\","
                + " \"publicArea\": \"" + b64.encodeToString(k.publicArea()) + "\", \"privateBlob\": \""
                + b64.encodeToString(k.privateBlob()) + "\", \"comment\": \"\", \"created\": null}");
        Files.writeString(dir.resolve("store/store.json"), "{\"format\": \"tpmssh-store\", \"version\": 1}");

        StoreCheck.Report r = StoreCheck.files(store());
        assertThat(r.findings()).isEmpty();
        KeyRecord back = s.keys("ci").get(0);
        assertThat(back.privateBlob()).isEqualTo(k.privateBlob());
        assertThat(back.tpmPublic()).isEqualTo(k.tpmPublic());
    }

    @Test
    void entriesThatHoldNoTokenAreNotesAndFindingsComeInTheOrderOfTheirFiles() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("a"));
        KeyRecord k = StoreFixtures.fakeKey("k");
        s.addKey("a", k);
        Path tokens = dir.resolve("store/tokens");
        Files.writeString(tokens.resolve("README"), "notes of the owner");
        Files.createDirectory(tokens.resolve("-x"));
        Files.write(s.keyFile("a", k.id()), new byte[0]);
        Path tmp = Files.writeString(tokens.resolve("a/.token.json.1.tmp"), "{");

        StoreCheck.Report r = checkUnchanged(s);
        // The check meets the key file before the temporary file; the report lists them by path.
        assertThat(r.findings()).extracting(Finding::file).containsExactly(tokens.resolve("-x"),
                tokens.resolve("README"), tmp, s.keyFile("a", k.id()));
        assertThat(finding(r.findings(), tokens.resolve("README"))).satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.NOTE);
            assertThat(f.problem()).isEqualTo("is not a token directory; tpmssh does not use it");
        });
        assertThat(r.tokens()).extracting(t -> t.token().label() + ":" + t.keys() + "/" + t.damagedKeys())
                .containsExactly("a:0/1");
    }

    @Test
    void aTokensDirectoryThatIsAFileIsDamagedOnce() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("t"));
        Path tokens = dir.resolve("store/tokens");
        Files.delete(s.tokenFile("t"));
        Files.delete(tokens.resolve("t/keys"));
        Files.delete(tokens.resolve("t"));
        Files.delete(tokens);
        Files.writeString(tokens, "not a directory");

        StoreCheck.Report r = checkUnchanged(store());
        assertThat(r.damaged()).isTrue();
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.file()).isEqualTo(tokens);
            assertThat(f.severity()).isEqualTo(Severity.DAMAGED);
            assertThat(f.message()).isEqualTo(tokens + " is a file where a directory should be");
            assertThat(f.recovery()).isEqualTo("Its tokens cannot be found until it is a directory again");
        });
    }

    @Test
    void keysLeftWithoutTokenJsonSayWhichStillLoadAndWhichAreLost() throws Exception {
        TokenStore s = store();
        s.addToken(pinToken("pins"));
        s.addKey("pins", pinKey("p1"));
        s.addKey("pins", pinKey("p2"));
        s.addToken(pinToken("mixed"));
        s.addKey("mixed", pinKey("p"));
        s.addKey("mixed", StoreFixtures.fakeKey("f1"));
        s.addKey("mixed", StoreFixtures.fakeKey("f2"));
        s.addToken(StoreFixtures.pinlessToken("free"));
        s.addKey("free", StoreFixtures.fakeKey("f"));
        Files.delete(s.tokenFile("pins"));
        Files.delete(s.tokenFile("mixed"));
        Files.delete(s.tokenFile("free"));

        List<Finding> f = checkUnchanged(s).findings();
        Finding pins = finding(f, dir.resolve("store/tokens/pins"));
        assertThat(pins.problem()).startsWith("holds 2 key files but no token.json");
        assertThat(pins.recovery()).isEqualTo("It has no PIN-less keys; its 2 PIN keys cannot be unlocked without the"
                + " token's seal");
        assertThat(finding(f, dir.resolve("store/tokens/mixed")).recovery()).isEqualTo("Its 2 PIN-less keys still"
                + " load and can move to a PIN-less token (" + GUIDE + "); its 1 PIN key cannot be unlocked without"
                + " the token's seal");
        assertThat(finding(f, dir.resolve("store/tokens/free")).recovery()).isEqualTo("Its 1 PIN-less key still"
                + " loads and can move to a PIN-less token (" + GUIDE + ")");
    }

    @Test
    void aPinTokenWithOneSealLeftIsRecoverableWithThatPinOnly() throws Exception {
        TokenStore s = store();
        s.addToken(pinToken("user"));
        s.addToken(pinToken("so"));
        s.addToken(pinToken("blobless"));
        ObjectNode user = tree(s.tokenFile("user"));
        user.remove("soSeal");
        writeCut(s.tokenFile("user"), user);
        ObjectNode so = tree(s.tokenFile("so"));
        ((ObjectNode) so.get("userSeal")).put("publicArea", "AAEC");
        Files.write(s.tokenFile("so"), JSON.writeValueAsBytes(so));
        ObjectNode blobless = tree(s.tokenFile("blobless"));
        ((ObjectNode) blobless.get("userSeal")).put("privateBlob", "");
        Files.write(s.tokenFile("blobless"), JSON.writeValueAsBytes(blobless));

        List<Finding> f = checkUnchanged(s).findings();
        assertThat(finding(f, s.tokenFile("user")).recovery()).isEqualTo("Recoverable with the user PIN only: its"
                + " salt and the user seal survive (" + GUIDE + ")");
        assertThat(finding(f, s.tokenFile("so")).problem()).contains("\"userSeal\"");
        assertThat(finding(f, s.tokenFile("so")).recovery()).isEqualTo("Recoverable with the SO PIN only: its salt"
                + " and the SO seal survive (" + GUIDE + ")");
        assertThat(finding(f, s.tokenFile("blobless"))).satisfies(b -> {
            assertThat(b.severity()).isEqualTo(Severity.DAMAGED);
            assertThat(b.problem()).isEqualTo("has an empty \"userSeal\" private blob");
            assertThat(b.recovery()).startsWith("Recoverable with the SO PIN only");
        });
    }

    @Test
    void aPinTokenWithoutItsSaltOrCutBeforeItsSealsIsNotRecoverableAndAPinlessOneIs() throws Exception {
        TokenStore s = store();
        s.addToken(pinToken("saltless"));
        s.addToken(pinToken("early"));
        s.addToken(StoreFixtures.pinlessToken("free"));
        ObjectNode saltless = tree(s.tokenFile("saltless"));
        saltless.put("salt", "");
        writeCut(s.tokenFile("saltless"), saltless);
        // Cut right after "pinless": what survives says only whether the token had PINs.
        cutBefore(s.tokenFile("early"), "\"parent\"");
        cutBefore(s.tokenFile("free"), "\"parent\"");

        List<Finding> f = checkUnchanged(s).findings();
        String lost = "Not recoverable: the token's seal is gone, so nothing can unlock the token secret its 0 PIN"
                + " keys need; those keys cannot be used again. It has no PIN-less keys";
        assertThat(finding(f, s.tokenFile("saltless")).recovery()).isEqualTo(lost);
        assertThat(finding(f, s.tokenFile("early")).recovery()).isEqualTo(lost);
        assertThat(finding(f, s.tokenFile("free")).recovery()).isEqualTo("Recoverable: a PIN-less token.json holds"
                + " no secret, so written again as a PIN-less token (" + GUIDE + ") it is usable again; it has no"
                + " keys to lose");
    }

    @Test
    void aRecordThatIsADirectoryOrADanglingLinkHasNothingToRecover() throws Exception {
        TokenStore s = store();
        s.addToken(pinToken("dir"));
        s.addKey("dir", pinKey("p"));
        s.addToken(pinToken("link"));
        s.addKey("link", pinKey("p"));
        s.addKey("link", StoreFixtures.fakeKey("free"));
        KeyRecord linked = StoreFixtures.fakeKey("linked");
        KeyRecord folder = StoreFixtures.fakeKey("folder");
        s.addKey("link", linked);
        s.addKey("link", folder);
        Files.delete(s.tokenFile("dir"));
        Files.createDirectory(s.tokenFile("dir"));
        Files.delete(s.tokenFile("link"));
        Files.createSymbolicLink(s.tokenFile("link"), dir.resolve("gone.json"));
        Files.delete(s.keyFile("link", linked.id()));
        Files.createSymbolicLink(s.keyFile("link", linked.id()), dir.resolve("gone-key.json"));
        Files.delete(s.keyFile("link", folder.id()));
        Files.createDirectory(s.keyFile("link", folder.id()));

        List<Finding> f = checkUnchanged(s).findings();
        assertThat(finding(f, s.tokenFile("dir")).problem()).isEqualTo("is a directory where a file should be");
        assertThat(finding(f, s.tokenFile("dir")).recovery()).startsWith("Not recoverable: the token's seal is gone")
                .contains("its 1 PIN key need").endsWith("It has no PIN-less keys");
        assertThat(finding(f, s.tokenFile("link")).problem()).startsWith("cannot be read");
        assertThat(finding(f, s.tokenFile("link")).recovery()).startsWith("Not recoverable: the token's seal is gone")
                .endsWith("Its 1 PIN-less key still loads and can move to a PIN-less token (" + GUIDE + ")");
        for (KeyRecord k : List.of(linked, folder)) {
            assertThat(finding(f, s.keyFile("link", k.id())).recovery()).as(k.label())
                    .startsWith("Not recoverable from this file");
        }
    }

    @Test
    void aKeyFileWithoutAUsablePublicAreaOrPrivateBlobIsNotRecoverable() throws Exception {
        TokenStore s = store();
        s.addToken(StoreFixtures.pinlessToken("t"));
        KeyRecord badArea = StoreFixtures.fakeKey("area");
        KeyRecord badBlob = StoreFixtures.fakeKey("blob");
        s.addKey("t", badArea);
        s.addKey("t", badBlob);
        ObjectNode area = tree(s.keyFile("t", badArea.id()));
        area.put("publicArea", "AAEC");
        Files.write(s.keyFile("t", badArea.id()), JSON.writeValueAsBytes(area));
        ObjectNode blob = tree(s.keyFile("t", badBlob.id()));
        blob.put("privateBlob", "!!!");
        Files.write(s.keyFile("t", badBlob.id()), JSON.writeValueAsBytes(blob));

        List<Finding> f = checkUnchanged(s).findings();
        assertThat(f).hasSize(2).allSatisfy(d -> assertThat(d.recovery()).startsWith("Not recoverable from this file"));
        assertThat(finding(f, s.keyFile("t", badBlob.id())).problem()).startsWith("has a wrong \"privateBlob\" field");
    }

    @Test
    void aCompleteTemporaryFileSaysWhatItWouldRecoverOrThatItsTargetIsIntact() throws Exception {
        TokenStore s = store();
        s.addToken(pinToken("lost"));
        s.addKey("lost", pinKey("p"));
        s.addToken(pinToken("hurt"));
        s.addToken(StoreFixtures.pinlessToken("keys"));
        KeyRecord hurt = StoreFixtures.fakeKey("hurt");
        KeyRecord whole = StoreFixtures.fakeKey("whole");
        s.addKey("keys", hurt);
        s.addKey("keys", whole);
        Path lostTmp = Files.move(s.tokenFile("lost"), dir.resolve("store/tokens/lost/.token.json.11.tmp"));
        Path hurtTmp = Files.copy(s.tokenFile("hurt"), dir.resolve("store/tokens/hurt/.token.json.22.tmp"));
        Files.write(s.tokenFile("hurt"), new byte[0]);
        Path keys = dir.resolve("store/tokens/keys/keys");
        Path hurtKeyTmp = Files.copy(s.keyFile("keys", hurt.id()), keys.resolve("." + hurt.id() + ".json.33.tmp"));
        Files.write(s.keyFile("keys", hurt.id()), new byte[0]);
        Path wholeKeyTmp = Files.copy(s.keyFile("keys", whole.id()), keys.resolve("." + whole.id() + ".json.44.tmp"));

        List<Finding> f = checkUnchanged(s).findings();
        assertThat(finding(f, lostTmp)).satisfies(t -> {
            assertThat(t.severity()).isEqualTo(Severity.NOTE);
            assertThat(t.problem()).isEqualTo("holds a complete record of token 'lost' that an interrupted write"
                    + " never put in place");
            assertThat(t.recovery()).isEqualTo("Renamed to token.json, it joins the store (tpmssh never does this on"
                    + " its own)");
        });
        assertThat(finding(f, hurtTmp)).satisfies(t -> {
            assertThat(t.problem()).isEqualTo("holds a complete record of token 'hurt' whose file token.json is"
                    + " damaged");
            assertThat(t.recovery()).isEqualTo("Renamed to token.json, it recovers token 'hurt' (with the PINs of"
                    + " the change that was interrupted)");
        });
        assertThat(finding(f, hurtKeyTmp)).satisfies(t -> {
            assertThat(t.problem()).isEqualTo("holds a complete record of key 'hurt' whose file " + hurt.id()
                    + ".json is damaged");
            assertThat(t.recovery()).isEqualTo("Renamed to " + hurt.id() + ".json, it recovers key 'hurt'");
        });
        assertThat(finding(f, wholeKeyTmp).problem()).isEqualTo("is a newer copy of " + whole.id() + ".json that an"
                + " interrupted write (e.g. a PIN change) never put in place; " + whole.id() + ".json itself is"
                + " intact and in use");
        assertThat(finding(f, wholeKeyTmp).recovery()).isEmpty();
    }

    @Test
    void aFileItCannotReadAsksForReadAccessInsteadOfGuessing() throws Exception {
        TokenStore s = store();
        s.addToken(pinToken("t"));
        KeyRecord k = pinKey("k");
        s.addKey("t", k);
        Files.setPosixFilePermissions(s.tokenFile("t"), PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(s.keyFile("t", k.id()), PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(s.tokenFile("t")), "this test runs as root, and root reads a mode-0000 file,"
                + " so the case cannot arise");

        List<Finding> f = StoreCheck.files(s).findings();
        String unread = "Recoverable: its content was not read; let its owner make it readable (chmod 600) and check"
                + " again";
        assertThat(finding(f, s.tokenFile("t")).recovery()).isEqualTo(unread);
        assertThat(finding(f, s.keyFile("t", k.id())).recovery()).isEqualTo(unread);
    }

    private StoreCheck.Report checkUnchanged(TokenStore s) throws Exception {
        TreeMap<String, String> before = DamagedStoreTest.snapshot(dir.resolve("store"));
        StoreCheck.Report r = StoreCheck.files(s);
        assertThat(DamagedStoreTest.snapshot(dir.resolve("store"))).as("the check changes nothing").isEqualTo(before);
        for (Finding f : r.findings()) {
            DamagedStoreTest.assertNoDestructiveAdvice(f.problem() + " " + f.recovery());
        }
        return r;
    }

    private static Finding finding(List<Finding> findings, Path file) {
        return findings.stream().filter(f -> f.file().equals(file)).findFirst()
                .orElseThrow(() -> new AssertionError("no finding for " + file + " in " + findings));
    }

    private static ObjectNode tree(Path f) throws Exception {
        return (ObjectNode) JSON.readTree(f.toFile());
    }

    /** Writes {@code n} without its closing brace, as a write cut short at the very end would leave it. */
    private static void writeCut(Path f, ObjectNode n) throws Exception {
        String whole = JSON.writeValueAsString(n);
        Files.writeString(f, whole.substring(0, whole.lastIndexOf('}')));
    }

    /** Cuts the file just before the first occurrence of {@code marker}. */
    private static void cutBefore(Path f, String marker) throws Exception {
        String s = Files.readString(f);
        int at = s.indexOf(marker);
        assertThat(at).as(marker + " in " + f).isPositive();
        Files.writeString(f, s.substring(0, at));
    }
}
