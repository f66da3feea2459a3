package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.emulators.Tpm2Ptool;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/**
 * {@code tpmssh key list --from-tpm2-pkcs11}: a store made by the real tpm2_ptool on swtpm (through
 * tpm2-abrmd) is listed with the keys {@code ssh-keygen -D} gets from libtpm2_pkcs11, and a path
 * that holds no store is one line.
 */
class KeyListFromTpm2Pkcs11Test {
    private static final Path MODULE = LibraryPath.find("libtpm2_pkcs11.so.1").orElse(Path.of("libtpm2_pkcs11.so.1"));

    @TempDir
    Path dir;

    @Test
    void listsTokensFingerprintsAndAuthorizedKeysLinesOfARealStore() throws Exception {
        assumeTrue(SearchPath.system().find("tpm2_ptool").isPresent(), "tpm2_ptool is not installed");
        assumeTrue(SearchPath.system().find("tpm2-abrmd").isPresent(), "tpm2-abrmd is not installed");
        assumeTrue(Files.exists(MODULE), "libtpm2_pkcs11.so.1 is not installed (libtpm2-pkcs11-1)");
        Path store = dir.resolve("store");
        CommandResult fromModule;
        try (Swtpm sw = Cli.relaxedSwtpm(); Tpm2Abrmd abrmd = Tpm2Abrmd.start(sw.tcti())) {
            Tpm2Ptool ptool = Tpm2Ptool.at(store, abrmd.environment());
            int pid = ptool.init();
            ptool.addToken(pid, "tok", "so-secret", "1234");
            ptool.addKey("tok", "laptop", "1234", "ecc256");
            ptool.addKey("tok", "server", "1234", "rsa2048");
            fromModule = CommandRunner.run(List.of("ssh-keygen", "-D", MODULE.toString()), ptool.environment(),
                    Duration.ofSeconds(60));
            assertThat(fromModule.exitCode()).as(fromModule.describe()).isZero();
        }
        // No TPM from here on: the listing needs the store file only.
        Cli cli = new Cli(null, null);
        Cli.Run pub = cli.raw("key", "list", "--from-tpm2-pkcs11", store.toString(), "--pub").ok();
        assertThat(typeAndBlob(pub.out())).hasSize(2).isEqualTo(typeAndBlob(fromModule.stdout()));

        Cli.Run list = cli.raw("key", "list", "--from-tpm2-pkcs11", store.toString()).ok();
        List<String> lines = list.out().lines().toList();
        assertThat(lines.get(0)).startsWith("# ").endsWith("(tpm2-pkcs11 schema 8)");
        assertThat(lines.get(1)).isEqualTo("token 'tok': 2 key(s), user PIN, under persistent primary 0x81000001,"
                + " RSA-2048 storage key, tpm2-tools default template (tpm2_createprimary -G rsa; no noDA)");
        String laptopLine = pub.out().lines().filter(l -> l.endsWith(" laptop")).findFirst().orElseThrow();
        assertThat(lines.get(2).strip()).isEqualTo(Cli.sshKeygenFingerprint(dir, laptopLine).replace(" no comment",
                " laptop"));
        assertThat(lines.get(3).strip()).matches("2048 SHA256:\\S+ server \\(RSA\\)");
    }

    @Test
    void aDirectoryWithoutAStoreIsOneLine() throws Exception {
        Cli.Run r = new Cli(null, null).raw("key", "list", "--from-tpm2-pkcs11", dir.toString()).userError();
        assertThat(r.err()).contains("no tpm2-pkcs11 store at").contains("tpm2_pkcs11.sqlite3");
    }

    @Test
    void tokenAndStoreTogetherIsAUsageError() {
        Cli.Run r = new Cli(null, null).raw("key", "list", "--token", "t", "--from-tpm2-pkcs11", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("either --token or --from-tpm2-pkcs11");
    }

    private static Set<String> typeAndBlob(String text) {
        return text.lines().map(String::strip).filter(l -> !l.isEmpty()).map(l -> {
            String[] f = l.split("\\s+");
            return f[0] + " " + f[1];
        }).collect(Collectors.toSet());
    }
}
