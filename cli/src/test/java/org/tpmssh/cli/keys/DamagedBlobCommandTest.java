package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.keys.Tss2KeyFile;

/**
 * A blob with one flipped byte, as a bad sector leaves it: in a token the TPM made, the message
 * says the file is damaged and names it; in a TSS2 file, which records no TPM, it names the file
 * and says it is damaged or another TPM's.
 */
class DamagedBlobCommandTest extends SwtpmCliTest {

    @Test
    void aDamagedSealIsNamedAsDamagedAndADamagedTss2FileIsNamed() throws Exception {
        Cli cli = cli();
        Path pin = Cli.secretFile(dir, "user.pin", "blob-pin-1234");
        Path so = Cli.secretFile(dir, "so.pin", "blob-so-4321");
        cli.run("token", "init", "--label", "work", "--user-pin-file", pin.toString(), "--so-pin-file",
                so.toString()).ok();
        cli.run("token", "init", "--label", "ci", "--no-user-pin").ok();
        cli.run("key", "create", "--token", "ci", "--label", "deploy", "--algorithm", "ecc-p256").ok();

        Path tokenJson = cli.store().resolve("tokens/work/token.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode token = (ObjectNode) json.readTree(tokenJson.toFile());
        ObjectNode seal = (ObjectNode) token.get("userSeal");
        seal.put("privateBlob", Base64.getEncoder().encodeToString(flip(Base64.getDecoder().decode(
                seal.get("privateBlob").asText()))));
        Files.write(tokenJson, json.writeValueAsBytes(token));
        Cli.Run login = cli.run("key", "create", "--token", "work", "--label", "k", "--algorithm", "ecc-p256",
                "--pin-file", pin.toString()).userError();
        assertThat(login.err()).contains("the user PIN seal of token 'work' is damaged")
                .contains(tokenJson.toString()).doesNotContain("another TPM");
        // As docs/SECURITY.md says: the SO seal still opens the token, and a reset gives the user seal anew.
        cli.run("token", "reset-pin", "--label", "work", "--so-pin-file", so.toString(), "--new-pin-file",
                pin.toString()).ok();
        cli.run("key", "create", "--token", "work", "--label", "k", "--algorithm", "ecc-p256", "--pin-file",
                pin.toString()).ok();
        // A damaged SO seal: copy the user seal over it (the SO PIN is then the user PIN), then set a new SO PIN.
        token = (ObjectNode) json.readTree(tokenJson.toFile());
        token.set("soSeal", token.get("userSeal").deepCopy());
        Files.write(tokenJson, json.writeValueAsBytes(token));
        Path so2 = Cli.secretFile(dir, "so2.pin", "blob-so-9999");
        cli.run("token", "change-pin", "--so", "--label", "work", "--old-pin-file", pin.toString(), "--new-pin-file",
                so2.toString()).ok();
        cli.run("token", "reset-pin", "--label", "work", "--so-pin-file", so2.toString(), "--new-pin-file",
                pin.toString()).ok();

        Path exported = dir.resolve("deploy.tss2");
        cli.run("key", "export", "--token", "ci", "--label", "deploy", "--out", exported.toString()).ok();
        Tss2KeyFile f = Tss2KeyFile.read(exported);
        Path bad = dir.resolve("bad.tss2");
        Tss2KeyFile.loadable(f.parent(), f.rsaParent(), f.pubkey(), flip(f.privkey()), f.emptyAuth()).write(bad);
        Cli.Run add = cli.run("key", "add-file", "--token", "ci", "--label", "again", "--file", bad.toString())
                .userError();
        assertThat(add.err()).contains(bad.toString()).contains("damaged").contains("another TPM");
    }

    private static byte[] flip(byte[] blob) {
        byte[] b = blob.clone();
        b[b.length / 2] ^= 0x01;
        return b;
    }
}
