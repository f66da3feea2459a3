package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code tpmssh token check} on a real store: it names each damaged file with what can still be
 * recovered, exits 3 when something is damaged, changes no file, needs no TPM for the files, and
 * with {@code --tcti} also finds a blob damaged inside a well-formed file by loading it.
 */
class TokenCheckCommandTest extends SwtpmCliTest {

    private Cli storeWithKeys() throws Exception {
        Cli cli = cli();
        Path pin = Cli.secretFile(dir, "user.pin", "check-pin-1618");
        Path so = Cli.secretFile(dir, "so.pin", "check-so-1414");
        cli.run("token", "init", "--label", "ci", "--no-user-pin").ok();
        cli.run("token", "init", "--label", "work", "--user-pin-file", pin.toString(), "--so-pin-file",
                so.toString()).ok();
        cli.run("key", "create", "--token", "ci", "--label", "deploy", "--algorithm", "ecc-p256").ok();
        cli.run("key", "create", "--token", "ci", "--label", "spare", "--algorithm", "ecc-p256").ok();
        cli.run("key", "create", "--token", "work", "--label", "laptop", "--algorithm", "ecc-p256", "--pin-file",
                pin.toString()).ok();
        return cli;
    }

    /** {@code token check} on the files alone: no --tcti, and no TPMSSH_TCTI to pick one up. */
    private static Cli.Run checkFiles(Cli cli) {
        return cli.raw("token", "check", "--store", cli.store().toString());
    }

    @Test
    void aHealthyStoreChecksCleanWithAndWithoutTheTpm() throws Exception {
        assumeTrue(System.getenv("TPMSSH_TCTI") == null, "TPMSSH_TCTI is set, so the check would use that TPM");
        Cli cli = storeWithKeys();
        Cli.Run files = checkFiles(cli).ok();
        assertThat(files.out()).containsPattern("ok\\s+token 'ci' \\(pin-less, ecc\\): 2 keys")
                .containsPattern("ok\\s+token 'work' \\(user-pin, ecc\\): 1 key\\b")
                .contains("nothing is damaged").doesNotContain("TPM");
        Cli.Run withTpm = cli.run("token", "check").ok();
        assertThat(withTpm.out()).containsPattern("loads\\s+token 'ci': all 2 blobs load in this TPM")
                .containsPattern("loads\\s+token 'work': all 3 blobs load in this TPM");
    }

    @Test
    void damagedFilesAreNamedWithWhatCanBeRecoveredAndNothingChanges() throws Exception {
        assumeTrue(System.getenv("TPMSSH_TCTI") == null, "TPMSSH_TCTI is set, so the check would use that TPM");
        Cli cli = storeWithKeys();
        Path deploy = DamagedStoreCommandTest.keyFileOf(cli, "ci", "deploy");
        Path workToken = cli.store().resolve("tokens/work/token.json");
        String deployJson = Files.readString(deploy);
        Files.writeString(deploy, deployJson.substring(0, deployJson.indexOf("\"comment\"")));
        String tokenJson = Files.readString(workToken);
        Files.writeString(workToken, tokenJson.substring(0, tokenJson.indexOf("\"salt\"")));
        Map<String, String> before = snapshot(cli.store());

        Cli.Run r = checkFiles(cli);
        assertThat(r.exit()).as(r.err()).isEqualTo(3);
        assertThat(r.out()).containsPattern("DAMAGED\\s+" + deploy + " is cut short")
                .contains("Recoverable: its public area and private blob survive")
                .containsPattern("DAMAGED\\s+" + workToken + " is cut short")
                .contains("Not recoverable: the token's seal is gone").contains("1 PIN key need")
                .containsPattern("ok\\s+token 'ci' \\(pin-less, ecc\\): 1 key, 1 damaged")
                .contains("2 damaged files").contains("Nothing was changed");
        assertThat(r.out().toLowerCase(java.util.Locale.ROOT)).doesNotContain("delete");
        assertThat(snapshot(cli.store())).isEqualTo(before);
    }

    @Test
    void withTctiABlobDamagedInsideAWellFormedFileIsFoundByLoadingIt() throws Exception {
        Cli cli = storeWithKeys();
        Path spare = DamagedStoreCommandTest.keyFileOf(cli, "ci", "spare");
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = (ObjectNode) json.readTree(spare.toFile());
        byte[] blob = Base64.getDecoder().decode(n.get("privateBlob").asText());
        blob[blob.length / 2] ^= 0x40;
        n.put("privateBlob", Base64.getEncoder().encodeToString(blob));
        Files.write(spare, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));

        Cli.Run r = cli.run("token", "check");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).containsPattern("DAMAGED\\s+" + spare + " holds a blob of key 'spare' of token 'ci'"
                + " that this TPM made but refuses to load \\(TPM_RC_\\w+\\): the blob is damaged")
                .containsPattern("loads\\s+token 'work': all 3 blobs load");
        // The files alone look sound: only the TPM can tell.
        assertThat(cli.raw("token", "check", "--store", cli.store().toString()).exit()).isZero();
    }

    @Test
    void helpSaysItReadsOnlyAndWhatTheExitStatusMeans() {
        Cli.Run help = cli().raw("token", "check", "--help").ok();
        assertThat(help.out()).contains("changes nothing").contains("needs no TPM").contains("--tcti")
                .contains("3 when something is damaged");
        assertThat(cli().raw("token", "check", "--store", dir.resolve("none").toString()).ok().out())
                .contains("no token store");
        assertThat(dir.resolve("none")).doesNotExist();
    }

    static Map<String, String> snapshot(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                out.put(p.toString(), Files.getLastModifiedTime(p).toMillis() + " "
                        + (Files.isDirectory(p) ? "dir" : Base64.getEncoder().encodeToString(Files.readAllBytes(p))));
            }
        }
        return out;
    }
}
