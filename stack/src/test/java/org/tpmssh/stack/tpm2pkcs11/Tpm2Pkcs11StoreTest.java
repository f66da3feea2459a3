package org.tpmssh.stack.tpm2pkcs11;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/**
 * The store reader against a store that the real tpm2_ptool made on swtpm through tpm2-abrmd:
 * it lists the public keys that OpenSSH's {@code ssh-keygen -D} gets from libtpm2_pkcs11 itself,
 * and it never writes the store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Tpm2Pkcs11StoreTest {
    @TempDir
    static Path dir;

    private Tpm2Pkcs11Fixture fixture;
    private Path store;
    private HomeSnapshot home;

    @BeforeAll
    void makeStore() throws Exception {
        home = HomeSnapshot.take();
        store = dir.resolve("store");
        fixture = Tpm2Pkcs11Fixture.start(store);
        fixture.addSampleTokens();
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        if (home != null) {
            home.assertUnchanged();
        }
    }

    @Test
    void listsTheSamePublicKeysAsSshKeygenDOnTheModule() throws Exception {
        CommandResult r = CommandRunner.run(List.of("ssh-keygen", "-D", Tpm2Pkcs11Fixture.MODULE.toString()),
                fixture.moduleEnvironment(), Duration.ofSeconds(60));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        Set<String> fromModule = typeAndBlob(r.stdout().lines());

        Tpm2Pkcs11Store s = Tpm2Pkcs11Store.read(store);
        Set<String> fromStore = typeAndBlob(s.tokens().stream().flatMap(t -> t.keys().stream()).map(k -> {
            try {
                return k.authorizedKeysLine();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }));
        assertThat(fromStore).hasSize(3).isEqualTo(fromModule);
    }

    @Test
    void namesTokensKeysAndThePersistentPrimary() throws Exception {
        Tpm2Pkcs11Store s = Tpm2Pkcs11Store.read(store);
        assertThat(s.schemaVersion()).isEqualTo(8); // Debian 12's tpm2-pkcs11 1.9.0
        assertThat(s.tokens()).extracting(Tpm2Pkcs11Token::label).containsExactly("withpin", "pinless");
        Tpm2Pkcs11Token withPin = s.tokens().get(0);
        assertThat(withPin.emptyUserPin()).isFalse();
        assertThat(withPin.userPinSet()).isTrue();
        assertThat(s.tokens().get(1).emptyUserPin()).isTrue();
        assertThat(withPin.keys()).extracting(Tpm2Pkcs11Key::label).containsExactly("ecc", "rsa");
        assertThat(withPin.keys()).allSatisfy(k -> {
            assertThat(k.tpmPrivateBlob()).isTrue();
            assertThat(k.wrappedAuth()).isTrue();
        });
        assertThat(withPin.keys().get(0).fingerprintLine()).matches("256 SHA256:\\S+ ecc \\(ECDSA\\)");
        assertThat(withPin.keys().get(1).fingerprintLine()).matches("2048 SHA256:\\S+ rsa \\(RSA\\)");
        Tpm2Pkcs11Primary p = s.primary(withPin);
        assertThat(p.transientPrimary()).isFalse();
        assertThat(p.persistentHandle()).isEqualTo(0x81000001);
        assertThat(p.describe()).isEqualTo("persistent primary 0x81000001, RSA-2048 storage key, tpm2-tools default"
                + " template (tpm2_createprimary -G rsa; no noDA)");
    }

    @Test
    void readingNeverWritesTheStore() throws Exception {
        Path db = store.resolve(Tpm2Pkcs11Store.FILE_NAME);
        String before = digest(db);
        var modified = Files.getLastModifiedTime(db);
        Set<Path> files;
        try (Stream<Path> l = Files.list(store)) {
            files = l.collect(Collectors.toSet());
        }
        for (int i = 0; i < 3; i++) {
            Tpm2Pkcs11Store.read(store);
        }
        assertThat(digest(db)).isEqualTo(before);
        assertThat(Files.getLastModifiedTime(db)).isEqualTo(modified);
        try (Stream<Path> l = Files.list(store)) {
            assertThat(l.collect(Collectors.toSet())).isEqualTo(files); // no -journal, -wal or -shm left behind
        }
    }

    @Test
    void aSchemaNineStoreReadsTheSame() throws Exception {
        // 1.10 bumps the schema to 9 without changing any table; a copy of the real store, relabelled.
        Path copy = Files.createDirectories(dir.resolve("v9"));
        Files.copy(store.resolve(Tpm2Pkcs11Store.FILE_NAME), copy.resolve(Tpm2Pkcs11Store.FILE_NAME),
                StandardCopyOption.REPLACE_EXISTING);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy.resolve(Tpm2Pkcs11Store.FILE_NAME));
                Statement st = c.createStatement()) {
            st.execute("UPDATE schema SET schema_version=9 WHERE id=1");
        }
        Tpm2Pkcs11Store v8 = Tpm2Pkcs11Store.read(store);
        Tpm2Pkcs11Store v9 = Tpm2Pkcs11Store.read(copy);
        assertThat(v9.schemaVersion()).isEqualTo(9);
        assertThat(fingerprints(v9)).isEqualTo(fingerprints(v8)).hasSize(3);
    }

    private static List<String> fingerprints(Tpm2Pkcs11Store s) {
        return s.tokens().stream().flatMap(t -> t.keys().stream()).map(Tpm2Pkcs11Key::fingerprintLine).toList();
    }

    private static Set<String> typeAndBlob(Stream<String> lines) {
        return lines.map(String::strip).filter(l -> !l.isEmpty()).map(l -> {
            String[] f = l.split("\\s+");
            return f[0] + " " + f[1];
        }).collect(Collectors.toSet());
    }

    private static String digest(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
