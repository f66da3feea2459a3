package org.tpmssh.stack.store;

import java.nio.file.Files;
import java.nio.file.Path;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.fuzz.Seeds;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * Writes the seed inputs of {@link TokenStoreFuzzTest}: a store that tpmssh's own Tokens makes on a real swtpm (a
 * PIN token with an ECC key, a PIN-less token with an RSA key), each file behind the selector byte of the file it
 * stands for. Run by hand (docs/fuzzing.md) with the resources directory of this package.
 */
public final class StoreSeeds {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]).resolve("TokenStoreFuzzTestInputs/files");
        Files.createDirectories(out);
        Path dir = Files.createTempDirectory("store-seeds");
        try (Swtpm sw = Swtpm.start()) {
            Tpm tpm = new Tpm(Tcti.parse(sw.tcti()).open());
            DictionaryAttack.relaxForOwnSimulator(tpm);
            try (KeyRing ring = KeyRing.open(tpm, ParentKind.ECC.template())) {
                Tokens tokens = new Tokens(TokenStore.open(dir), ring, ParentKind.ECC);
                tokens.init(TokenStoreFuzzTest.TOKEN, "2468".toCharArray(), "so-1357".toCharArray());
                byte[] secret = tokens.loginUser(TokenStoreFuzzTest.TOKEN, "2468".toCharArray());
                KeyRecord ecc = tokens.createKey(TokenStoreFuzzTest.TOKEN, KeyType.ECC_P256, "ecc", false, "seed key",
                        secret);
                tokens.init("free", null, null);
                KeyRecord rsa = tokens.createKey("free", KeyType.RSA_2048, "rsa", true, "pin-less seed key", null);
                write(out, "store-json", 0, dir.resolve("store.json"));
                write(out, "token-json-pin", 1, dir.resolve("tokens/" + TokenStoreFuzzTest.TOKEN + "/token.json"));
                write(out, "token-json-pinless", 1, dir.resolve("tokens/free/token.json"));
                write(out, "key-json-ecc-p256", 2,
                        dir.resolve("tokens/" + TokenStoreFuzzTest.TOKEN + "/keys/" + ecc.id() + ".json"));
                write(out, "key-json-rsa-2048-pinless", 2, dir.resolve("tokens/free/keys/" + rsa.id() + ".json"));
            }
        } finally {
            Seeds.deleteTree(dir);
        }
    }

    private static void write(Path out, String name, int selector, Path file) throws Exception {
        Seeds.write(out, name, selector, Files.readAllBytes(file));
    }

    private StoreSeeds() {
    }
}
