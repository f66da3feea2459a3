package org.tpmssh.harness.tpm2pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.emulators.SearchPath;

/**
 * Breaks the real tpm2-pkcs11 installation piece by piece and checks each failure names its piece, and that a real
 * store run leaves ~/.tpm2_pkcs11 and ~/.ssh untouched.
 */
class Tpm2Pkcs11FaultsTest {
    private static Tpm2Pkcs11Installation installation;

    @BeforeAll
    static void installed() {
        try {
            installation = Tpm2Pkcs11Installation.find();
        } catch (Tpm2Pkcs11Exception e) {
            assumeTrue(false, "tpm2-pkcs11 is not installed here: " + e.getMessage());
        }
    }

    @Test
    void tpm2PtoolHiddenFromPathIsNamed(@TempDir Path empty) {
        assertThatThrownBy(() -> Tpm2Pkcs11Installation.find(SearchPath.only(List.of(empty)),
                LibraryPath.directories(), Map.of()))
                .isInstanceOfSatisfying(Tpm2Pkcs11Exception.class,
                        e -> assertThat(e.fault()).isEqualTo(Tpm2Pkcs11Exception.Fault.PTOOL_MISSING))
                .hasMessageStartingWith("tpm2_ptool missing from libtpm2-pkcs11-tools (not on PATH");
    }

    @Test
    void aWrongModulePathIsNamed(@TempDir Path dir) {
        String wrong = dir.resolve("libtpm2_pkcs11.so.1").toString();
        assertThatThrownBy(() -> Tpm2Pkcs11Installation.find(SearchPath.system(), LibraryPath.directories(),
                Map.of(Tpm2Pkcs11Installation.MODULE_VARIABLE, wrong)))
                .isInstanceOfSatisfying(Tpm2Pkcs11Exception.class,
                        e -> assertThat(e.fault()).isEqualTo(Tpm2Pkcs11Exception.Fault.MODULE_MISSING))
                .hasMessageStartingWith("libtpm2_pkcs11.so not found: TPMSSH_TPM2_PKCS11_MODULE=" + wrong);
    }

    @Test
    void aModuleInNoLibraryDirectoryIsNamed(@TempDir Path empty) {
        assertThatThrownBy(() -> Tpm2Pkcs11Installation.find(SearchPath.system(), List.of(empty), Map.of()))
                .isInstanceOfSatisfying(Tpm2Pkcs11Exception.class,
                        e -> assertThat(e.fault()).isEqualTo(Tpm2Pkcs11Exception.Fault.MODULE_MISSING))
                .hasMessageStartingWith("libtpm2_pkcs11.so not found (looked in [" + empty)
                .hasMessageContaining("set TPMSSH_TPM2_PKCS11_MODULE");
    }

    @Test
    void abrmdAbsentIsNamed(@TempDir Path dir) {
        // Only the directory tpm2_ptool, dbus-daemon and tpm2_getcap live in: not the sbin of tpm2-abrmd.
        SearchPath withoutAbrmd = SearchPath.only(List.of(installation.ptool().getParent()));
        assumeTrue(withoutAbrmd.find("tpm2-abrmd").isEmpty(), "tpm2-abrmd shares a directory with tpm2_ptool");
        Tpm2Pkcs11Installation broken = new Tpm2Pkcs11Installation(installation.ptool(), installation.module(),
                withoutAbrmd, Map.of());
        assertThatThrownBy(() -> PtoolStore.open(broken, dir, null,
                false).close())
                .isInstanceOfSatisfying(Tpm2Pkcs11Exception.class,
                        e -> assertThat(e.fault()).isEqualTo(Tpm2Pkcs11Exception.Fault.ABRMD_MISSING))
                .hasMessageContaining("tpm2-abrmd is not installed (package tpm2-abrmd)");
    }

    @Test
    void aStoreTheModuleCannotFindIsNamedAndHomeIsUntouched(@TempDir Path dir) throws Exception {
        Path home = Path.of(System.getProperty("user.home"));
        Map<String, String> before = snapshot(home);
        try (PtoolStore store = PtoolStore.open(installation, dir, null, false)) {
            store.ptool("addkey", List.of("addkey", "--label=" + StackAdapter.PINLESS_TOKEN, "--userpin=",
                    "--algorithm=ecc256", "--key-label=home-check"));
            assertThat(Tpm2Pkcs11Stack.publicLine(store, "home-check")).startsWith("ecdsa-sha2-nistp256 ");

            Path missing = dir.resolve("no-such-store");
            assertThatThrownBy(() -> store.run(List.of("ssh-keygen", "-D", installation.module().toString()),
                    Map.of("TPM2_PKCS11_STORE", missing.toString())))
                    .isInstanceOfSatisfying(Tpm2Pkcs11Exception.class,
                            e -> assertThat(e.fault()).isEqualTo(Tpm2Pkcs11Exception.Fault.STORE_NOT_FOUND))
                    .hasMessageStartingWith("the module cannot find its store (TPM2_PKCS11_STORE=" + missing);
        }
        assertThat(snapshot(home)).as("~/.tpm2_pkcs11 and ~/.ssh after a store run").isEqualTo(before);
    }

    /** Existence, listing and mtimes of ~/.tpm2_pkcs11 and ~/.ssh; read only, never created. */
    private static Map<String, String> snapshot(Path home) throws IOException {
        Map<String, String> seen = new TreeMap<>();
        for (String name : List.of(".tpm2_pkcs11", ".ssh")) {
            Path dir = home.resolve(name);
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                seen.put(name, "absent");
                continue;
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.toList()) {
                    seen.put(home.relativize(p).toString(),
                            Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toString()
                            + " " + (Files.isDirectory(p) ? "dir" : Files.size(p)));
                }
            }
        }
        return seen;
    }
}
