package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;

/**
 * A blob damaged on disk is told apart from a blob of another TPM: the token records its storage
 * key's Name, so when that Name is this swtpm's, the TPM refusing a blob means the file is damaged,
 * and the message names that file. One byte of the encrypted part is flipped, as a bad sector would.
 */
class DamagedBlobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aFlippedByteInAKeyBlobIsReportedAsThatFileBeingDamaged() throws Exception {
        try (TokenPinTest.Fixture fx = new TokenPinTest.Fixture(dir.resolve("store"))) {
            fx.tokens.init("free", null, null);
            KeyRecord k = fx.tokens.createKey("free", KeyType.ECC_P256, "k", false, "", null);
            KeyRecord sound = fx.tokens.createKey("free", KeyType.ECC_P256, "sound", false, "", null);
            Path file = fx.tokens.store().root().resolve("tokens/free/keys/" + k.id() + ".json");
            flipBlobByte(file, "privateBlob");
            KeyRecord damaged = fx.tokens.store().keyByLabel("free", "k").orElseThrow();

            assertThatThrownBy(() -> TokenPinTest.verifies(fx.tokens, "free", damaged, null))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("key 'k' of token 'free' is damaged")
                    .hasMessageContaining(file.toString()).hasMessageContaining("TPM_RC_")
                    .hasMessageNotContaining("another TPM");
            // The other key of the same token still signs.
            assertThat(TokenPinTest.verifies(fx.tokens, "free", sound, null)).isTrue();
        }
    }

    @Test
    void aFlippedByteInTheUserSealIsReportedAsTokenJsonBeingDamaged() throws Exception {
        try (TokenPinTest.Fixture fx = new TokenPinTest.Fixture(dir.resolve("store"))) {
            fx.tokens.init("tok", "1111".toCharArray(), "so-2222".toCharArray());
            Path file = fx.tokens.store().root().resolve("tokens/tok/token.json");
            ObjectNode n = (ObjectNode) JSON.readTree(file.toFile());
            ObjectNode seal = (ObjectNode) n.get("userSeal");
            seal.put("privateBlob", flipped(seal.get("privateBlob").asText()));
            Files.write(file, JSON.writeValueAsBytes(n));

            assertThatThrownBy(() -> fx.tokens.loginUser("tok", "1111".toCharArray()))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("the user PIN seal of token 'tok' is damaged")
                    .hasMessageContaining(file.toString()).hasMessageNotContaining("another TPM");
            // The SO seal is intact: the SO can still log in.
            assertThat(fx.tokens.loginSo("tok", "so-2222".toCharArray())).hasSize(32);
        }
    }

    static void flipBlobByte(Path file, String field) throws Exception {
        ObjectNode n = (ObjectNode) JSON.readTree(file.toFile());
        n.put(field, flipped(n.get(field).asText()));
        Files.write(file, JSON.writeValueAsBytes(n));
    }

    /** {@code base64} with one bit of its middle byte flipped. */
    static String flipped(String base64) {
        byte[] b = Base64.getDecoder().decode(base64);
        b[b.length / 2] ^= 0x01;
        return Base64.getEncoder().encodeToString(b);
    }
}
