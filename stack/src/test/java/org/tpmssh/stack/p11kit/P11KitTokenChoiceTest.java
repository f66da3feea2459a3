package org.tpmssh.stack.p11kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.tpm.commands.DictionaryAttack;

/**
 * Which tokens a server offers: by default every token under its ring's storage key, including
 * tokens made while it runs (a client sees them from its next C_Initialize), never those under the
 * other storage key; with named tokens, only those.
 */
class P11KitTokenChoiceTest {
    @TempDir
    Path dir;

    static List<String> labels(P11KitTestClient c) throws Exception {
        List<String> out = new ArrayList<>();
        for (long slot : c.slots()) {
            out.add((String) c.tokenInfo(slot)[0]);
        }
        return out;
    }

    @Test
    void newTokensAppearToNewClientsAndTheOtherStorageKeysNever() throws Exception {
        try (P11KitFixture f = P11KitFixture.start(dir, List.of(), DictionaryAttack::relaxForOwnSimulator)) {
            Path all = dir.resolve("run/all.sock");
            Path some = dir.resolve("run/some.sock");
            f.serve(all, P11KitOptions.defaults());
            try (P11KitServer onlyFree = P11KitServer.start(some, f.tokens, ParentKind.ECC,
                    P11KitOptions.defaults().withTokens(Set.of("free")));
                    P11KitTestClient early = P11KitTestClient.connect(all)) {
                early.initialize();
                assertThat(labels(early)).containsExactly("free", "pinned");
                f.tokens.init("later", null, null);
                // A PIN-less token made under the RSA storage key (by another server's ring): only its record matters.
                f.tokens.store().addToken(new TokenRecord("rsa-parent", true, ParentKind.RSA, null, null, null,
                        KeyRecord.now(), null));
                assertThat(labels(early)).as("a client's slots are fixed at its C_Initialize")
                        .containsExactly("free", "pinned");
                try (P11KitTestClient late = P11KitTestClient.connect(all)) {
                    late.initialize();
                    assertThat(labels(late)).containsExactlyInAnyOrder("free", "later", "pinned");
                }
                try (P11KitTestClient named = P11KitTestClient.connect(some)) {
                    named.initialize();
                    assertThat(labels(named)).containsExactly("free");
                }
            }
        }
    }
}
