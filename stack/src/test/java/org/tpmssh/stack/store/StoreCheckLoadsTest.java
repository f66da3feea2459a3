package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.store.StoreCheck.Finding;
import org.tpmssh.stack.store.StoreCheck.Severity;

/**
 * {@code token check --tcti} on a real swtpm: each seal and key blob is loaded and flushed again; a blob that this
 * TPM made but refuses is damaged, one it cannot place is a note, and a token of another TPM is not loaded at all.
 */
class StoreCheckLoadsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char[] USER = "user-pin-check".toCharArray();
    private static final char[] SO = "so-pin-check".toCharArray();

    @TempDir
    Path dir;

    @Test
    void aHealthyStoreLoadsEveryBlobAndLeavesNoneLoaded() throws Exception {
        try (TokenPinTest.Fixture fx = new TokenPinTest.Fixture(dir.resolve("store"))) {
            Tokens t = fx.tokens;
            t.init("pin", USER, SO);
            t.createKey("pin", KeyType.ECC_P256, "k", false, "", t.loginUser("pin", USER));
            t.init("free", null, null);
            t.createKey("free", KeyType.ECC_P256, "f", true, "", null);
            int before = fx.ring.cache().loadedCount();

            List<String> loaded = new ArrayList<>();
            assertThat(StoreCheck.loads(t.store(), fx.ring, t.store().tokens(), loaded::add)).isEmpty();
            assertThat(loaded).containsExactly("free", "pin");
            assertThat(fx.ring.cache().loadedCount()).as("each blob flushed after its load").isEqualTo(before);
        }
    }

    @Test
    void aBlobThisTpmMadeButRefusesIsDamagedAndTheOtherTokensStillLoad() throws Exception {
        try (TokenPinTest.Fixture fx = new TokenPinTest.Fixture(dir.resolve("store"))) {
            Tokens t = fx.tokens;
            TokenStore s = t.store();
            t.init("pin", USER, SO);
            KeyRecord k = t.createKey("pin", KeyType.ECC_P256, "k", false, "", t.loginUser("pin", USER));
            t.init("free", null, null);
            t.createKey("free", KeyType.ECC_P256, "f", true, "", null);
            DamagedBlobTest.flipBlobByte(s.keyFile("pin", k.id()), "privateBlob");
            ObjectNode token = tree(s.tokenFile("pin"));
            ObjectNode seal = (ObjectNode) token.get("userSeal");
            seal.put("privateBlob", DamagedBlobTest.flipped(seal.get("privateBlob").asText()));
            Files.write(s.tokenFile("pin"), JSON.writeValueAsBytes(token));

            List<String> loaded = new ArrayList<>();
            List<Finding> f = StoreCheck.loads(s, fx.ring, s.tokens(), loaded::add);
            assertThat(f).extracting(Finding::file).containsExactlyInAnyOrder(s.tokenFile("pin"), s.keyFile("pin",
                    k.id()));
            assertThat(f).extracting(Finding::severity).containsOnly(Severity.DAMAGED);
            assertThat(finding(f, s.keyFile("pin", k.id()))).satisfies(d -> {
                assertThat(d.problem()).matches("holds a blob of key 'k' of token 'pin' that this TPM made but refuses"
                        + " to load \\(TPM_RC_\\w+\\): the blob is damaged");
                assertThat(d.recovery()).startsWith("Not recoverable from this file: the TPM keeps no copy of a key;");
            });
            assertThat(finding(f, s.tokenFile("pin"))).satisfies(d -> {
                assertThat(d.problem()).matches("holds a blob of the user PIN seal of token 'pin' that this TPM made"
                        + " but refuses to load \\(TPM_RC_\\w+\\): the blob is damaged");
                assertThat(d.recovery()).isEqualTo("The other seal of the token still opens it: reset the PIN whose"
                        + " seal this is with the other one");
            });
            assertThat(loaded).containsExactly("free");
        }
    }

    @Test
    void withoutTheStorageKeysNameARefusalIsDamageOnlyWhenAnotherBlobOfTheTokenLoads() throws Exception {
        try (TokenPinTest.Fixture fx = new TokenPinTest.Fixture(dir.resolve("store"))) {
            Tokens t = fx.tokens;
            TokenStore s = t.store();
            for (String label : List.of("elsewhere", "old", "lone", "fine")) {
                t.init(label, null, null);
            }
            t.createKey("elsewhere", KeyType.ECC_P256, "k", true, "", null);
            t.createKey("old", KeyType.ECC_P256, "good", true, "", null);
            KeyRecord oldBad = t.createKey("old", KeyType.ECC_P256, "bad", true, "", null);
            KeyRecord loneBad = t.createKey("lone", KeyType.ECC_P256, "bad", true, "", null);
            t.createKey("fine", KeyType.ECC_P256, "k", true, "", null);
            // "elsewhere" records another storage key; "old" and "lone" record none, as stores before it did.
            editToken(s, "elsewhere", n -> n.put("parentName", Base64.getEncoder().encodeToString(
                    ParentKind.RSA.template().name())));
            editToken(s, "old", n -> n.putNull("parentName"));
            editToken(s, "lone", n -> n.putNull("parentName"));
            DamagedBlobTest.flipBlobByte(s.keyFile("old", oldBad.id()), "privateBlob");
            DamagedBlobTest.flipBlobByte(s.keyFile("lone", loneBad.id()), "privateBlob");

            List<String> loaded = new ArrayList<>();
            List<Finding> f = StoreCheck.loads(s, fx.ring, s.tokens(), loaded::add);
            assertThat(f).hasSize(3);
            assertThat(finding(f, s.tokenFile("elsewhere"))).satisfies(d -> {
                assertThat(d.severity()).isEqualTo(Severity.NOTE);
                assertThat(d.problem()).isEqualTo("belongs to another TPM (its storage key's Name differs here), so"
                        + " its blobs were not loaded");
                assertThat(d.recovery()).isEqualTo("Check it with --tcti naming the TPM that made it");
            });
            assertThat(finding(f, s.keyFile("old", oldBad.id()))).satisfies(d -> {
                assertThat(d.severity()).isEqualTo(Severity.DAMAGED);
                assertThat(d.problem()).matches("holds a blob of key 'bad' of token 'old' that this TPM refuses to load"
                        + " \\(TPM_RC_\\w+\\): the token's other blobs load here, so this one is damaged");
            });
            assertThat(finding(f, s.keyFile("lone", loneBad.id()))).satisfies(d -> {
                assertThat(d.severity()).isEqualTo(Severity.NOTE);
                assertThat(d.problem()).matches("holds a blob of key 'bad' of token 'lone' that this TPM refuses to"
                        + " load \\(TPM_RC_\\w+\\): it was made by another TPM, or the blob is damaged");
                assertThat(d.recovery()).isEmpty();
            });
            assertThat(loaded).containsExactly("fine");
        }
    }

    private static ObjectNode tree(Path f) throws Exception {
        return (ObjectNode) JSON.readTree(f.toFile());
    }

    private static void editToken(TokenStore s, String label, java.util.function.Consumer<ObjectNode> edit)
            throws Exception {
        ObjectNode n = tree(s.tokenFile(label));
        edit.accept(n);
        Files.write(s.tokenFile(label), JSON.writeValueAsBytes(n));
    }

    private static Finding finding(List<Finding> findings, Path file) {
        return findings.stream().filter(f -> f.file().equals(file)).findFirst()
                .orElseThrow(() -> new AssertionError("no finding for " + file + " in " + findings));
    }
}
