package org.tpmssh.stack.tpm2pkcs11;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.tpmssh.stack.fuzz.Seeds;

/**
 * Writes the seed inputs of {@link Tpm2Pkcs11RowsFuzzTest}: the rows of a store that the real tpm2_ptool makes on
 * swtpm through tpm2-abrmd (a PIN token with an ECC and an RSA key, a PIN-less token with an ECC key), each behind
 * the byte of the column it stands for. Run by hand (docs/fuzzing.md) with the resources directory of this package.
 */
public final class Tpm2Pkcs11Seeds {
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]).resolve("Tpm2Pkcs11RowsFuzzTestInputs/rows");
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("tpm2pkcs11-seeds");
        Path store = work.resolve("store");
        try (Tpm2Pkcs11Fixture fixture = Tpm2Pkcs11Fixture.start(store)) {
            fixture.addSampleTokens();
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
        } finally {
            Seeds.deleteTree(work);
        }
    }

    private static void write(Path out, String name, int column, String text) throws Exception {
        Seeds.write(out, name, column, text.getBytes(StandardCharsets.UTF_8));
    }

    private Tpm2Pkcs11Seeds() {
    }
}
