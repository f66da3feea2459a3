package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Cuts the file just before the first occurrence of {@code marker}. */
    private static void cutBefore(Path f, String marker) throws Exception {
        String s = Files.readString(f);
        int at = s.indexOf(marker);
        assertThat(at).as(marker + " in " + f).isPositive();
        Files.writeString(f, s.substring(0, at));
    }
}
