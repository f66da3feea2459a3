package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.tpm.objects.OwnNames;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Templates;

/** The store's files alone (no TPM): format, round trip, modes, atomicity, errors and two-process locking. */
class TokenStoreTest {
    @TempDir
    Path dir;

    @Test
    void recordsSurviveARoundTripAsVersionedJsonAPersonCanRead() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("work"));
        KeyRecord k = StoreFixtures.fakeKey("laptop");
        s.addKey("work", k);

        TokenStore again = TokenStore.open(dir.resolve("store"));
        assertThat(again.tokens()).extracting(TokenRecord::label).containsExactly("work");
        KeyRecord back = again.keys("work").get(0);
        assertThat(back.id()).isEqualTo(k.id());
        assertThat(back.publicArea()).isEqualTo(k.publicArea());
        assertThat(back.privateBlob()).isEqualTo(k.privateBlob());
        assertThat(back.parent()).isEqualTo(ParentKind.ECC);
        assertThat(back.tpmPublic()).isEqualTo(k.tpmPublic());

        String meta = Files.readString(dir.resolve("store/store.json"));
        assertThat(meta).contains("\"format\" : \"tpmssh-store\"").contains("\"version\" : 1");
        String keyJson = Files.readString(dir.resolve("store/tokens/work/keys/" + k.id() + ".json"));
        assertThat(keyJson).contains("\"algorithm\" : \"ecc-p256\"").contains("\"parent\" : \"ecc\"")
                .contains("\"origin\" : \"created\"");
    }

    @Test
    void filesAre0600DirectoriesAre0700AndNoTemporaryFileIsLeft() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        for (int i = 0; i < 5; i++) {
            s.addKey("t", StoreFixtures.fakeKey("k" + i));
        }
        s.replaceToken(s.requireToken("t"));
        List<Path> all;
        try (Stream<Path> w = Files.walk(dir.resolve("store"))) {
            all = w.toList();
        }
        assertThat(all).hasSizeGreaterThan(8);
        for (Path p : all) {
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
            assertThat(mode).as(p.toString()).isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
            assertThat(p.getFileName().toString()).as("temporary file left behind").doesNotEndWith(".tmp");
        }
    }

    @Test
    void malformedJsonGivesOneMessageNamingTheFile() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        KeyRecord k = StoreFixtures.fakeKey("k");
        s.addKey("t", k);
        Path f = dir.resolve("store/tokens/t/keys/" + k.id() + ".json");
        Files.writeString(f, "{ \"id\": \"" + k.id() + "\", \"label\": ");
        assertThat(s.keys("t")).isEmpty();
        assertThat(s.listKeys("t").damaged()).singleElement().satisfies(d -> assertThat(d.message())
                .isEqualTo(f + " is cut short: its JSON ends early (line 1)"));

        Files.writeString(dir.resolve("store/store.json"), "{\"format\":\"tpmssh-store\",\"version\":7}");
        assertThatThrownBy(() -> TokenStore.open(dir.resolve("store"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("version 7");
    }

    @Test
    void onlyAddingATokenMakesTheStoreDirectory() throws Exception {
        Path where = dir.resolve("nothing-yet/tpmssh");
        TokenStore s = TokenStore.open(where);
        assertThat(s.tokens()).isEmpty();
        assertThat(s.token("t")).isEmpty();
        assertThat(s.keys("t")).isEmpty();
        assertThatThrownBy(() -> s.addKey("t", StoreFixtures.fakeKey("k"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> s.deleteToken("t")).isInstanceOf(StoreException.class);
        assertThat(dir.resolve("nothing-yet")).doesNotExist();

        s.addToken(StoreFixtures.pinlessToken("t"));
        assertThat(where.resolve("store.json")).exists();
        assertThat(s.tokens()).extracting(TokenRecord::label).containsExactly("t");
    }

    @Test
    void duplicateLabelsAndUnsafeNamesAreRefused() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        assertThatThrownBy(() -> s.addToken(StoreFixtures.pinlessToken("t"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("already exists");
        s.addKey("t", StoreFixtures.fakeKey("k"));
        assertThatThrownBy(() -> s.addKey("t", StoreFixtures.fakeKey("k"))).isInstanceOf(StoreException.class)
                .hasMessageContaining("already has a key labelled 'k'");
        assertThatThrownBy(() -> StoreFixtures.pinlessToken("../escape")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deletingATokenRemovesItsDirectoryAndNothingElse() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("a"));
        s.addToken(StoreFixtures.pinlessToken("b"));
        s.addKey("a", StoreFixtures.fakeKey("k"));
        s.addKey("b", StoreFixtures.fakeKey("k"));
        s.deleteToken("a");
        assertThat(dir.resolve("store/tokens/a")).doesNotExist();
        assertThat(s.tokens()).extracting(TokenRecord::label).containsExactly("b");
        assertThat(s.keys("b")).hasSize(1);
        assertThat(dir.resolve("store/store.json")).exists();
    }

    @Test
    void aMissingTokenOrAnUnsafeLabelIsRefusedSayingWhichAndWhatToDo() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        assertThatThrownBy(() -> s.deleteToken("../escape")).as("the label is judged before the store is looked for")
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(": '../escape'");
        assertThatThrownBy(() -> s.token(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a token label is 1-64 characters of letters, digits and ._@+-, starting with a letter or"
                        + " digit: none given");
        s.addToken(StoreFixtures.pinlessToken("a"));
        assertThatThrownBy(() -> s.requireToken("b")).isInstanceOf(StoreException.class)
                .hasMessage("no token labelled 'b' in " + s.root() + "; list them with `tpmssh token list`");
    }

    @Test
    void aFailedWriteLeavesNoTemporaryFileAndWhatWasThereAsItWas() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        TokenRecord t = s.requireToken("t");
        Path f = s.tokenFile("t");
        // A directory where token.json should be: the write's final rename onto it fails.
        Files.delete(f);
        Files.createDirectory(f);
        Files.writeString(f.resolve("kept"), "kept");

        assertThatThrownBy(() -> s.replaceToken(t)).isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot update the store in " + s.root() + ": ");
        assertThat(f.resolve("kept")).hasContent("kept");
        try (Stream<Path> left = Files.list(f.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("token.json", "keys");
        }
    }

    @Test
    void aTokenWhoseKeysDirectoryIsGoneGetsItBackOwnerOnlyWithItsNextKey() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        Path keys = dir.resolve("store/tokens/t/keys");
        Files.delete(keys);
        s.addKey("t", StoreFixtures.fakeKey("k"));
        assertThat(s.keys("t")).extracting(KeyRecord::label).containsExactly("k");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys))).isEqualTo("rwx------");
    }

    @Test
    void aKeysDirectoryThatCannotBeListedIsReportedByNameAndHidesNoOtherToken() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("loop"));
        s.addToken(StoreFixtures.pinlessToken("fine"));
        s.addKey("fine", StoreFixtures.fakeKey("k"));
        Path keys = dir.resolve("store/tokens/loop/keys");
        Files.delete(keys);
        Files.createSymbolicLink(keys, keys.getFileName()); // a link to itself: listing it fails with ELOOP

        assertThat(s.keys("loop")).isEmpty();
        assertThat(s.listKeys("loop").damaged()).singleElement().satisfies(d -> {
            assertThat(d.file()).isEqualTo(keys);
            assertThat(d.message()).startsWith(keys + " cannot be listed: ");
        });
        assertThat(s.keys("fine")).extracting(KeyRecord::label).containsExactly("k");
    }

    @Test
    void aKeysDirectoryWithoutPermissionIsReportedAsSuch() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        s.addToken(StoreFixtures.pinlessToken("t"));
        Path keys = dir.resolve("store/tokens/t/keys");
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("---------"));
        try {
            assumeFalse(Files.isReadable(keys), "this test runs as root, and root lists a mode-0000 directory,"
                    + " so the case cannot arise");
            assertThat(s.listKeys("t").damaged()).singleElement()
                    .satisfies(d -> assertThat(d.message()).isEqualTo(keys + " cannot be listed: permission denied"));
        } finally {
            Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void theTpmObjectsTheStoreOwnsAreEachTokensStorageKeyItsSealsAndItsKeys() throws Exception {
        TokenStore s = TokenStore.open(dir.resolve("store"));
        byte[] srk = ParentKind.ECC.template().name();
        TokenRecord.Seal user = new TokenRecord.Seal(Templates.sealedData(false).toBytes(), new byte[] {1});
        TokenRecord.Seal so = new TokenRecord.Seal(Templates.sealedData(true).toBytes(), new byte[] {2});
        s.addToken(new TokenRecord("pin", false, ParentKind.ECC, new byte[16], user, so, KeyRecord.now(), srk));
        s.addToken(StoreFixtures.pinlessToken("free"));
        KeyRecord k = StoreFixtures.fakeKey("k");
        s.addKey("free", k);

        OwnNames names = s.tpmNames();
        List<byte[]> expected = List.of(srk, Templates.sealedData(false).name(), Templates.sealedData(true).name(),
                k.tpmPublic().name());
        assertThat(expected.stream().map(java.util.HexFormat.of()::formatHex).distinct()).hasSize(4);
        assertThat(expected).allSatisfy(n -> assertThat(names.contains(n)).isTrue());
        assertThat(names.size()).isEqualTo(4);
        assertThat(names.contains(Templates.eccSigningKey(Alg.ECC_NIST_P256, false).name())).isFalse();
    }

    /**
     * While a write is under way, another process cannot take the store's lock. The write is held inside the
     * lock by making token.json, which addKey reads there, a named pipe that the test feeds only after probing.
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void anotherProcessCannotTakeTheLockWhileAWriteIsUnderWay() throws Exception {
        Path store = dir.resolve("store");
        TokenStore s = TokenStore.open(store);
        s.addToken(StoreFixtures.pinlessToken("t"));
        Path token = s.tokenFile("t");
        byte[] record = Files.readAllBytes(token);
        Files.delete(token);
        assertThat(new ProcessBuilder("mkfifo", "-m", "600", token.toString()).inheritIO().start().waitFor())
                .as("mkfifo").isZero();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> add = writer.submit(() -> {
                s.addKey("t", StoreFixtures.fakeKey("k"));
                return null;
            });
            String during;
            // Opening the pipe to write returns once addKey has opened it to read, which it does under the lock.
            try (OutputStream out = Files.newOutputStream(token, StandardOpenOption.WRITE)) {
                during = probeLock(store.resolve("store.lock"));
                out.write(record);
            }
            add.get(60, TimeUnit.SECONDS);
            assertThat(during).as("the lock, probed during the write").isEqualTo("held");
            assertThat(probeLock(store.resolve("store.lock"))).as("the lock, after the write").isEqualTo("free");
            assertThat(s.keys("t")).extracting(KeyRecord::label).containsExactly("k");
        } finally {
            writer.shutdownNow();
        }
    }

    /** What {@link StoreLockProbe}, run as another process, finds of the lock on {@code lockFile}. */
    private static String probeLock(Path lockFile) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = ChildProcesses.start(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StoreLockProbe.class.getName(), lockFile.toString()).redirectErrorStream(true));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("probe finished").isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void theStoreDirectoryComesFromTheFlagThenTheEnvironmentThenXdg() {
        Path explicit = dir.resolve("x");
        assertThat(StorePaths.resolve(explicit, "/env", "/xdg", "/home/u")).isEqualTo(explicit);
        assertThat(StorePaths.resolve(Path.of("relative/store"))).as("the flag wins over any environment")
                .isEqualTo(Path.of("relative/store").toAbsolutePath());
        assertThat(StorePaths.resolve(null, "/env", "/xdg", "/home/u")).isEqualTo(Path.of("/env"));
        assertThat(StorePaths.resolve(null, null, "/xdg", "/home/u")).isEqualTo(Path.of("/xdg/tpmssh"));
        assertThat(StorePaths.resolve(null, null, "rel", "/home/u")).isEqualTo(Path.of("/home/u/.local/share/tpmssh"));
        assertThat(StorePaths.resolve(null, "", null, "/home/u")).isEqualTo(Path.of("/home/u/.local/share/tpmssh"));
    }

    /**
     * Two JVMs each add 50 key records to one store at the same time, and race for 50 shared labels.
     * The records are made without a TPM (see StoreFixtures): this tests the file lock and atomic
     * writes, not the TPM.
     */
    @Test
    void twoProcessesAdding50KeysEachLeaveExactly100() throws Exception {
        Path store = dir.resolve("store");
        TokenStore.open(store).addToken(StoreFixtures.pinlessToken("shared"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<Process> procs = new ArrayList<>();
        try {
            for (String who : List.of("left", "right")) {
                procs.add(ChildProcesses.start(new ProcessBuilder(java, "-cp", cp, StoreWriterMain.class.getName(),
                        store.toString(), who,
                        "50").redirectErrorStream(true).redirectOutput(dir.resolve(who + ".log").toFile())));
            }
            for (Process p : procs) {
                assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("writer finished").isTrue();
                assertThat(p.exitValue()).as("writer exit status; see its log").isZero();
            }
        } finally {
            for (Process p : procs) {
                if (p.isAlive()) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
        List<KeyRecord> all = TokenStore.open(store).keys("shared");
        List<KeyRecord> keys = all.stream().filter(k -> !k.label().startsWith("dup-")).toList();
        assertThat(keys).hasSize(100);
        assertThat(keys.stream().map(KeyRecord::label).distinct()).hasSize(100);
        // The label check and the write happen under one lock: no label was taken twice.
        List<String> dups = all.stream().map(KeyRecord::label).filter(l -> l.startsWith("dup-")).toList();
        assertThat(dups).hasSize(50).doesNotHaveDuplicates();
        File[] leftovers = dir.resolve("store/tokens/shared/keys").toFile().listFiles((d, n) -> n.endsWith(".tmp"));
        assertThat(leftovers).isEmpty();
        assertThat(Files.readString(dir.resolve("left.log"), StandardCharsets.UTF_8)).contains("added 50");
    }
}
