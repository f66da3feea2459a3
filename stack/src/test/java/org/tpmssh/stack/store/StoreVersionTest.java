package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.tpm.structures.Templates;

/**
 * The store's format version and the ecc-tss2 parent kind, on files alone (no TPM): stores of ecc and
 * rsa tokens stay at version 1, which every tpmssh reads, and only an ecc-tss2 token raises the store
 * to version 2, so an older tpmssh names the version instead of calling the token damaged.
 */
class StoreVersionTest {
    @TempDir
    Path dir;

    private static TokenRecord token(String label, ParentKind parent) {
        return new TokenRecord(label, true, parent, null, null, null, KeyRecord.now(), null);
    }

    private String storeJson() throws Exception {
        return Files.readString(dir.resolve("store/store.json"));
    }

    @Test
    void eccAndRsaTokensKeepVersion1AndAnEccTss2TokenRaisesTheStoreTo2() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(token("a", ParentKind.ECC));
        s.addToken(token("b", ParentKind.RSA));
        assertThat(storeJson()).contains("\"version\" : 1");

        s.addToken(token("c", ParentKind.ECC_TSS2));
        assertThat(storeJson()).contains("\"version\" : 2").contains("\"format\" : \"tpmssh-store\"");
        assertThat(Files.readString(dir.resolve("store/tokens/c/token.json"))).contains("\"parent\" : \"ecc-tss2\"");

        TokenStore again = TokenStore.open(dir.resolve("store"));
        assertThat(again.tokens()).extracting(TokenRecord::parent)
                .containsExactly(ParentKind.ECC, ParentKind.RSA, ParentKind.ECC_TSS2);
        again.addToken(token("d", ParentKind.ECC));
        assertThat(storeJson()).as("a store is never lowered").contains("\"version\" : 2");
    }

    /** store.json is written when the store is made and when its version is raised, and at no other time. */
    @Test
    void storeJsonIsRewrittenOnlyToRaiseItsVersion() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(token("a", ParentKind.ECC));
        Object first = fileKey();
        s.addToken(token("b", ParentKind.RSA));
        assertThat(fileKey()).as("a token the store's version already covers").isEqualTo(first);
        s.addToken(token("c", ParentKind.ECC_TSS2));
        Object raised = fileKey();
        assertThat(raised).as("raised to version 2, by an atomic rename").isNotEqualTo(first);
        s.addToken(token("d", ParentKind.ECC_TSS2));
        assertThat(fileKey()).as("a second token of version 2").isEqualTo(raised);
        assertThat(storeJson()).contains("\"version\" : 2");
    }

    /** store.json's inode: an atomic write replaces it, so a write in place of the same content still shows. */
    private Object fileKey() throws Exception {
        return Files.readAttributes(dir.resolve("store/store.json"), BasicFileAttributes.class).fileKey();
    }

    @Test
    void aStoreWrittenBeforeVersion2StillOpensAndAFutureOneIsRefusedByVersion() throws Exception {
        Files.createDirectories(dir.resolve("store/tokens/old"));
        Files.writeString(dir.resolve("store/store.json"), "{\"format\":\"tpmssh-store\",\"version\":1}");
        Files.writeString(dir.resolve("store/tokens/old/token.json"), "{\"label\":\"old\",\"pinless\":true,"
                + "\"parent\":\"ecc\",\"created\":\"2026-01-01T00:00:00Z\"}");
        TokenStore s = TokenStore.open(dir.resolve("store"));
        assertThat(s.requireToken("old").parent()).isEqualTo(ParentKind.ECC);
        assertThat(s.requireToken("old").parentName()).isNull();

        Files.writeString(dir.resolve("store/store.json"), "{\"format\":\"tpmssh-store\",\"version\":3}");
        assertThatThrownBy(() -> TokenStore.open(dir.resolve("store"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("version 3").hasMessageContaining("versions 1 to 2");
    }

    @Test
    void eachKindNamesItsTemplateAndOnlyEccTss2IsTheOneTpm2OpensslDerives() {
        assertThat(ParentKind.ECC.template()).isEqualTo(Templates.srkEccH2());
        assertThat(ParentKind.RSA.template()).isEqualTo(Templates.srkRsaH1());
        assertThat(ParentKind.ECC_TSS2.template()).isEqualTo(Templates.srkEccTss2Legacy());
        assertThat(ParentKind.ECC_TSS2.template()).isNotEqualTo(ParentKind.ECC.template());
        assertThat(ParentKind.ECC_TSS2.tpm2OpensslLoads()).isTrue();
        assertThat(ParentKind.ECC.tpm2OpensslLoads()).isFalse();
        assertThat(ParentKind.RSA.tpm2OpensslLoads()).isFalse();
        assertThat(ParentKind.ECC_TSS2.loaders()).isEqualTo("tpmssh, tpm2-openssl 1.x and ssh-tpm-agent 0.5 and later");
        assertThat(ParentKind.RSA.loaders()).startsWith("tpmssh only");
        assertThat(ParentKind.of("ecc-tss2")).isEqualTo(ParentKind.ECC_TSS2);
        assertThatThrownBy(() -> ParentKind.of("h2")).hasMessageContaining("ecc, rsa, ecc-tss2");
    }
}
