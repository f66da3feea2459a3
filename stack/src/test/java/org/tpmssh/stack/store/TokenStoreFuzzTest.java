package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Fuzz target for the token store's readers: store.json, a token's token.json and a key's keys/&lt;id&gt;.json, one
 * of which (chosen by the input's first byte) holds the fuzzed bytes while the others are a real store's. The
 * contract: every reader gives records whose TPM blobs parse, or a {@link StoreException} (a {@link
 * TpmFormatException} for a public area that does not parse); never another exception. Seeds are the files of a
 * store tpmssh made on swtpm (recorded by {@link StoreSeeds}).
 */
class TokenStoreFuzzTest {
    static final String TOKEN = "fuzzed";
    private static final byte[][] HEALTHY = healthyFiles();
    /** The files a selector byte picks, relative to the store's root; the key file is named by its id. */
    private static final List<String> FILES = List.of("store.json", "tokens/" + TOKEN + "/token.json",
            "tokens/" + TOKEN + "/keys/" + keyId(HEALTHY[2]) + ".json");
    private static final Path ROOT = scratchStore();

    @AfterAll
    static void removeScratch() throws IOException {
        try (var walk = Files.walk(ROOT)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @FuzzTest
    void files(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        int which = Math.floorMod(input[0], FILES.size());
        for (int i = 0; i < FILES.size(); i++) {
            Files.write(ROOT.resolve(FILES.get(i)), i == which ? Arrays.copyOfRange(input, 1, input.length)
                    : HEALTHY[i]);
        }
        try {
            TokenStore store = TokenStore.open(ROOT);
            for (TokenRecord t : store.tokens()) {
                use(t);
            }
            Optional<TokenRecord> token = store.token(TOKEN);
            token.ifPresent(TokenStoreFuzzTest::use);
            for (KeyRecord k : store.keys(TOKEN)) {
                assertThat(k.id()).matches("[0-9a-f]{16}");
                try {
                    assertThat(k.tpmPublic().name()).isNotEmpty();
                } catch (TpmFormatException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        } catch (StoreException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    /** A token as Tokens uses it: its seals' public areas parse, or say why not. */
    private static void use(TokenRecord t) {
        assertThat(t.label()).isNotBlank();
        for (TokenRecord.Seal seal : Arrays.asList(t.userSeal(), t.soSeal())) {
            if (seal != null) {
                try {
                    assertThat(TpmtPublic.fromBytes(seal.publicArea()).name()).isNotEmpty();
                } catch (TpmFormatException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        }
    }

    private static String keyId(byte[] keyJson) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f]{16})\"")
                .matcher(new String(keyJson, java.nio.charset.StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IllegalStateException("the key seed has no id");
        }
        return m.group(1);
    }

    private static Path scratchStore() {
        try {
            Path root = Files.createTempDirectory("store-fuzz");
            Files.createDirectories(root.resolve("tokens/" + TOKEN + "/keys"));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real store's files, from the seeds whose names say which file they hold. */
    private static byte[][] healthyFiles() {
        String[] seeds = {"store-json", "token-json-pin", "key-json-ecc-p256"};
        byte[][] out = new byte[seeds.length][];
        for (int i = 0; i < seeds.length; i++) {
            try (var in = TokenStoreFuzzTest.class.getResourceAsStream("TokenStoreFuzzTestInputs/files/" + seeds[i])) {
                byte[] seed = in.readAllBytes();
                out[i] = Arrays.copyOfRange(seed, 1, seed.length);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }
}
