package org.tpmssh.stack.tpm2pkcs11;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

/**
 * Writes the seed inputs of {@link Tpm2Pkcs11RowsFuzzTest}: the rows of a store that the real tpm2_ptool makes on
 * swtpm through tpm2-abrmd (a PIN token with an ECC and an RSA key, a PIN-less token with an ECC key), each behind
 * the byte of the column it stands for. Run by hand (docs/fuzzing.md) with the resources directory of this package.
 */
public final class Tpm2Pkcs11Seeds {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]).resolve("Tpm2Pkcs11RowsFuzzTestInputs/rows");
        Files.createDirectories(out);
        Path store = Files.createTempDirectory("tpm2pkcs11-seeds").resolve("store");
        try (Tpm2Pkcs11Fixture fixture = Tpm2Pkcs11Fixture.start(store)) {
            var ptool = fixture.ptool();
            int pid = ptool.init();
            ptool.addToken(pid, "withpin", "so-secret", "1234");
            ptool.addKey("withpin", "ecc", "1234", "ecc256");
            ptool.addKey("withpin", "rsa", "1234", "rsa2048");
            ptool.addToken(pid, "pinless", "so-secret", "");
            ptool.addKey("pinless", "ecc2", "", "ecc256");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + store.resolve(Tpm2Pkcs11Store.FILE_NAME))) {
            try (ResultSet r = c.createStatement().executeQuery("SELECT id, config FROM pobjects")) {
                while (r.next()) {
                    write(out, "tpm2-ptool-primary-config-" + r.getInt(1), 0, r.getString(2));
                }
            }
            try (ResultSet r = c.createStatement().executeQuery("SELECT label, config FROM tokens")) {
                while (r.next()) {
                    write(out, "tpm2-ptool-token-config-" + r.getString(1), 1, r.getString(2));
                }
            }
            try (ResultSet r = c.createStatement().executeQuery("SELECT id, attrs FROM tobjects")) {
                while (r.next()) {
                    write(out, "tpm2-ptool-object-attrs-" + r.getInt(1), 2, r.getString(2));
                }
            }
        }
    }

    private static void write(Path out, String name, int column, String text) throws Exception {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        byte[] seed = new byte[b.length + 1];
        seed[0] = (byte) column;
        System.arraycopy(b, 0, seed, 1, b.length);
        Files.write(out.resolve(name), seed);
        System.out.println(out.resolve(name) + ": " + seed.length + " bytes");
    }

    private Tpm2Pkcs11Seeds() {
    }
}
