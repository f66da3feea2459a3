package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tpmssh.tpm.structures.Templates;

/**
 * One damaged token or key file hides nothing healthy: the other tokens and keys are listed and new
 * keys can be added, the damaged file is reported by its path with what is wrong, and it is left
 * exactly as it was. The records are made without a TPM (see StoreFixtures); this is about files.
 */
class DamagedStoreTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The ways a file was found broken, each applied to a file that was whole. */
    enum Damage {
        INVALID_JSON("not valid JSON") {
            @Override
            void apply(Path f) throws IOException {
                Files.writeString(f, "{\"label\": tru, }");
            }
        },
        TRUNCATED("cut short") {
            @Override
            void apply(Path f) throws IOException {
                byte[] whole = Files.readAllBytes(f);
                Files.write(f, Arrays.copyOf(whole, whole.length / 2));
            }
        },
        CUT_INSIDE_A_NAME_THEN_A_NEWLINE("cut short") {
            @Override
            void apply(Path f) throws IOException {
                String whole = Files.readString(f);
                Files.writeString(f, whole.substring(0, whole.indexOf("\"pinless\"") + 5) + "\n");
            }
        },
        EMPTY("empty") {
            @Override
            void apply(Path f) throws IOException {
                Files.write(f, new byte[0]);
            }
        },
        WRONG_TYPE("\"pinless\"") {
            @Override
            void apply(Path f) throws IOException {
                ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
                n.put("pinless", "perhaps");
                Files.write(f, JSON.writeValueAsBytes(n));
            }
        },
        MISSING_FIELD("\"parent\"") {
            @Override
            void apply(Path f) throws IOException {
                ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
                n.remove("parent");
                Files.write(f, JSON.writeValueAsBytes(n));
            }
        },
        NEWER_VERSION("newer tpmssh") {
            @Override
            void apply(Path f) throws IOException {
                ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
                n.put("version", 99);
                Files.write(f, JSON.writeValueAsBytes(n));
            }
        },
        DIRECTORY("directory") {
            @Override
            void apply(Path f) throws IOException {
                Files.delete(f);
                Files.createDirectory(f);
            }
        };

        /** Words the one-sentence problem must contain. */
        final String said;

        Damage(String said) {
            this.said = said;
        }

        abstract void apply(Path f) throws IOException;
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedTokenFileHidesNoOtherToken(Damage damage) throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        for (String t : List.of("alpha", "broken", "gamma")) {
            s.addToken(StoreFixtures.pinlessToken(t));
            s.addKey(t, StoreFixtures.fakeKey("k-" + t));
        }
        Path broken = dir.resolve("store/tokens/broken/token.json");
        damage.apply(broken);
        TreeMap<String, String> before = snapshot(dir.resolve("store/tokens/broken"));

        assertThat(s.tokens()).extracting(TokenRecord::label).containsExactly("alpha", "gamma");
        StoreListing<TokenRecord> listing = s.listTokens();
        assertThat(listing.records()).extracting(TokenRecord::label).containsExactly("alpha", "gamma");
        assertThat(listing.damaged()).singleElement().satisfies(d -> {
            assertThat(d.file()).isEqualTo(broken);
            assertThat(d.message()).startsWith(broken.toString()).contains(damage.said);
            assertNoDestructiveAdvice(d.message());
        });
        // A healthy token keeps working: its keys are read and a new key is stored.
        s.addKey("alpha", StoreFixtures.fakeKey("new"));
        assertThat(s.keys("alpha")).extracting(KeyRecord::label).containsExactlyInAnyOrder("k-alpha", "new");
        // The damaged token itself is refused by name, and no message says to delete it.
        assertThatThrownBy(() -> s.requireToken("broken")).isInstanceOf(DamagedFileException.class)
                .hasMessageStartingWith(broken.toString())
                .satisfies(e -> assertNoDestructiveAdvice(e.getMessage()));
        assertThatThrownBy(() -> s.addToken(StoreFixtures.pinlessToken("broken")))
                .isInstanceOf(StoreException.class);
        assertThat(snapshot(dir.resolve("store/tokens/broken"))).as("left untouched").isEqualTo(before);
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aDamagedKeyFileHidesNoOtherKeyAndNewKeysCanBeAdded(Damage damage) throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        KeyRecord first = StoreFixtures.fakeKey("first");
        KeyRecord hurt = StoreFixtures.fakeKey("hurt");
        KeyRecord last = StoreFixtures.fakeKey("last");
        for (KeyRecord k : List.of(first, hurt, last)) {
            s.addKey("t", k);
        }
        Path broken = dir.resolve("store/tokens/t/keys/" + hurt.id() + ".json");
        damage.apply(broken);
        TreeMap<String, String> before = snapshot(broken);

        assertThat(s.keys("t")).extracting(KeyRecord::label).containsExactlyInAnyOrder("first", "last");
        StoreListing<KeyRecord> listing = s.listKeys("t");
        assertThat(listing.records()).extracting(KeyRecord::id).containsExactlyInAnyOrder(first.id(), last.id());
        assertThat(listing.damaged()).singleElement().satisfies(d -> {
            assertThat(d.file()).isEqualTo(broken);
            assertThat(d.message()).startsWith(broken.toString()).contains(damage.said);
            assertNoDestructiveAdvice(d.message());
        });
        assertThat(s.requireToken("t").label()).isEqualTo("t");
        assertThat(s.keyByLabel("t", "last")).isPresent();
        s.addKey("t", StoreFixtures.fakeKey("added"));
        assertThat(s.keys("t")).extracting(KeyRecord::label).contains("added");
        s.deleteKey("t", last.id());
        assertThat(s.keys("t")).extracting(KeyRecord::label).containsExactlyInAnyOrder("first", "added");
        assertThat(snapshot(broken)).as("left untouched").isEqualTo(before);
    }

    @Test
    void aFileNamedForOneRecordButHoldingAnotherIsDamagedNotTrusted() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        s.addToken(StoreFixtures.pinlessToken("u"));
        KeyRecord k = StoreFixtures.fakeKey("k");
        s.addKey("t", k);
        Files.copy(dir.resolve("store/tokens/u/token.json"), dir.resolve("store/tokens/t/token.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path moved = dir.resolve("store/tokens/u/keys/0123456789abcdef.json");
        Files.copy(dir.resolve("store/tokens/t/keys/" + k.id() + ".json"), moved);

        assertThat(s.listTokens().damaged()).singleElement()
                .satisfies(d -> assertThat(d.message()).contains("'u'").contains("directory"));
        assertThat(s.listKeys("u").damaged()).singleElement()
                .satisfies(d -> assertThat(d.message()).startsWith(moved.toString()).contains(k.id()));
    }

    @Test
    void aKeyWhosePublicAreaIsNotATpmPublicAreaIsDamaged() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        KeyRecord k = StoreFixtures.fakeKey("k");
        s.addKey("t", k);
        Path f = dir.resolve("store/tokens/t/keys/" + k.id() + ".json");
        ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
        n.put("publicArea", "AAEC");
        Files.write(f, JSON.writeValueAsBytes(n));
        assertThat(s.keys("t")).isEmpty();
        assertThat(s.listKeys("t").damaged()).singleElement()
                .satisfies(d -> assertThat(d.message()).contains("publicArea"));
    }

    @Test
    void aSealWithAnEmptyPrivateBlobIsDamagedLikeAKeyWithOne() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        TokenRecord.Seal seal = new TokenRecord.Seal(Templates.sealedData(false).toBytes(),
                "sealed-blob".getBytes(StandardCharsets.UTF_8));
        s.addToken(new TokenRecord("t", false, ParentKind.ECC, new byte[16], seal, seal, KeyRecord.now(), null));
        s.addToken(StoreFixtures.pinlessToken("u"));
        Path f = s.tokenFile("t");
        ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
        ((ObjectNode) n.get("soSeal")).put("privateBlob", "");
        Files.write(f, JSON.writeValueAsBytes(n));

        assertThat(s.tokens()).extracting(TokenRecord::label).containsExactly("u");
        assertThat(s.listTokens().damaged()).singleElement()
                .satisfies(d -> assertThat(d.message()).isEqualTo(f + " has an empty \"soSeal\" private blob"));
    }

    @Test
    void aFieldThatDoesNotConvertIsNamedInOneLine() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        Path badId = keyWith(s, "id", "XYZ");
        Path badParent = keyWith(s, "parent", "h2");
        Path badBlob = keyWith(s, "privateBlob", "!!!");
        Path badJson = Files.writeString(s.keyFile("t", "0123456789abcdef"), "{\"label\": tru, }");

        java.util.Map<Path, String> said = new java.util.HashMap<>();
        s.listKeys("t").damaged().forEach(d -> said.put(d.file(), d.message()));
        assertThat(said).hasSize(4);
        assertThat(said.get(badId)).isEqualTo(badId + " has a wrong field: a key id is 16 lower-case hex digits");
        assertThat(said.get(badParent)).isEqualTo(badParent + " has a wrong field: unknown parent kind 'h2' (expected"
                + " ecc, rsa, ecc-tss2)");
        assertThat(said.get(badBlob)).startsWith(badBlob + " has a wrong \"privateBlob\" field: Cannot deserialize"
                + " value of type `byte[]` from String \"!!!\"").endsWith("in base64 content");
        assertThat(said.get(badJson)).isEqualTo(badJson + " is not valid JSON (line 1): Unrecognized token 'tru': was"
                + " expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
        assertThat(said.values()).allSatisfy(m -> assertThat(m).doesNotContain("\n").doesNotContain("reference chain"));
    }

    /** A new key of token "t" whose file then has {@code value} for {@code field}; its path. */
    private static Path keyWith(TokenStore s, String field, String value) throws Exception {
        KeyRecord k = StoreFixtures.fakeKey("k-" + field);
        s.addKey("t", k);
        Path f = s.keyFile("t", k.id());
        ObjectNode n = (ObjectNode) JSON.readTree(f.toFile());
        n.put(field, value);
        Files.write(f, JSON.writeValueAsBytes(n));
        return f;
    }

    @Test
    void anUnreadableFileIsReportedAndTheRestIsListed() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("locked"));
        s.addToken(StoreFixtures.pinlessToken("open"));
        Path f = dir.resolve("store/tokens/locked/token.json");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assumeFalse(Files.isReadable(f), "this test runs as root, and root reads a mode-0000 file, so the case"
                + " cannot arise");
        assertThat(s.tokens()).extracting(TokenRecord::label).containsExactly("open");
        assertThat(s.listTokens().damaged()).singleElement()
                .satisfies(d -> assertThat(d.message()).startsWith(f.toString()).contains("permission"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("---------");
    }

    @Test
    void strayTemporaryFilesOfAnInterruptedWriteAreIgnoredAndKept() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        KeyRecord k = StoreFixtures.fakeKey("k");
        s.addKey("t", k);
        byte[] whole = Files.readAllBytes(dir.resolve("store/tokens/t/keys/" + k.id() + ".json"));
        Path tokenTmp = Files.writeString(dir.resolve("store/tokens/t/.token.json.4242.tmp"), "{\"label\": \"t\", ");
        Path keyTmp = Files.write(dir.resolve("store/tokens/t/keys/.0011223344556677.json.77.tmp"),
                Arrays.copyOf(whole, 40));
        Path storeTmp = Files.writeString(dir.resolve("store/tokens/.x.tmp"), "");

        assertThat(s.tokens()).extracting(TokenRecord::label).containsExactly("t");
        assertThat(s.listTokens().damaged()).isEmpty();
        assertThat(s.keys("t")).extracting(KeyRecord::id).containsExactly(k.id());
        assertThat(s.listKeys("t").damaged()).isEmpty();
        s.addKey("t", StoreFixtures.fakeKey("more"));
        s.replaceToken(s.requireToken("t"));
        assertThat(tokenTmp).exists();
        assertThat(keyTmp).hasBinaryContent(Arrays.copyOf(whole, 40));
        assertThat(storeTmp).exists();
    }

    @Test
    void aDamagedStoreJsonHidesNoTokenAndIsLeftAlone() throws Exception {
        TokenStore.open(dir.resolve("store")).addToken(StoreFixtures.pinlessToken("t"));
        Path meta = dir.resolve("store/store.json");
        Files.writeString(meta, "{\"format\": \"tpmssh-st");
        TokenStore s = TokenStore.open(dir.resolve("store"));
        assertThat(s.tokens()).extracting(TokenRecord::label).containsExactly("t");
        assertThat(s.listTokens().damaged()).singleElement()
                .satisfies(d -> assertThat(d.file()).isEqualTo(meta));
        s.addToken(StoreFixtures.pinlessToken("u"));
        assertThat(meta).hasContent("{\"format\": \"tpmssh-st");
    }

    /** No advice to delete or remove anything; naming `token delete` as what left a directory behind is fine. */
    static void assertNoDestructiveAdvice(String message) {
        assertThat(message.toLowerCase(java.util.Locale.ROOT))
                .doesNotContainPattern("\\b(delete|remove|rm)\\b(?! that was)(?!`)\\s+(-\\w+\\s+)?"
                        + "(it|that|this|the|them|those|these|token|key|file|\\S*/)")
                .doesNotContain("delete that token");
    }

    /**
     * Every path under {@code root} with its content (or "dir", or where a symbolic link points), mode and
     * modification time.
     */
    static TreeMap<String, String> snapshot(Path root) throws IOException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                FileTime mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                String content = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : Files.isDirectory(p) ? "dir" : java.util.HexFormat.of().formatHex(Files.readAllBytes(p));
                out.put(p.toString(), mode + " " + mtime.toMillis() + " " + content);
            }
        }
        return out;
    }
}
