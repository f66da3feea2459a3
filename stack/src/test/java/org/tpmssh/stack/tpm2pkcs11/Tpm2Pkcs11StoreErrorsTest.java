package org.tpmssh.stack.tpm2pkcs11;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.tpm2pkcs11.Tpm2Pkcs11StoreException.Reason;

/**
 * The store reader's refusals, each one sentence with its reason. The databases here are written
 * by the test with the real sqlite driver; they fake a store's shape, not its TPM content.
 */
class Tpm2Pkcs11StoreErrorsTest {
    @TempDir
    Path dir;

    @Test
    void aDirectoryWithoutTheDatabaseIsMissing() {
        Tpm2Pkcs11StoreException e = catchThrowableOfType(Tpm2Pkcs11StoreException.class,
                () -> Tpm2Pkcs11Store.read(dir));
        assertThat(e.reason()).isEqualTo(Reason.MISSING);
        assertThat(e.getMessage()).contains("tpm2_pkcs11.sqlite3").contains("TPM2_PKCS11_STORE");
        assertThat(dir).isEmptyDirectory(); // nothing was created by looking
    }

    @Test
    void aFileThatIsNotSqliteIsNotAStore() throws Exception {
        Files.writeString(dir.resolve(Tpm2Pkcs11Store.FILE_NAME), "this is not a database, just text\n".repeat(40));
        Tpm2Pkcs11StoreException e = catchThrowableOfType(Tpm2Pkcs11StoreException.class,
                () -> Tpm2Pkcs11Store.read(dir));
        assertThat(e.reason()).isEqualTo(Reason.NOT_A_STORE);
    }

    @Test
    void anSqliteDatabaseWithoutTheSchemaTableIsNotAStore() throws Exception {
        sql(dir.resolve(Tpm2Pkcs11Store.FILE_NAME), "CREATE TABLE other(id INTEGER)");
        Tpm2Pkcs11StoreException e = catchThrowableOfType(Tpm2Pkcs11StoreException.class,
                () -> Tpm2Pkcs11Store.read(dir));
        assertThat(e.reason()).isEqualTo(Reason.NOT_A_STORE);
        assertThat(e.getMessage()).contains("no schema table");
    }

    @Test
    void anUnknownSchemaVersionIsOneClearMessage() throws Exception {
        sql(dir.resolve(Tpm2Pkcs11Store.FILE_NAME),
                "CREATE TABLE schema(id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL)",
                "INSERT INTO schema VALUES (1, 10)");
        Tpm2Pkcs11StoreException e = catchThrowableOfType(Tpm2Pkcs11StoreException.class,
                () -> Tpm2Pkcs11Store.read(dir));
        assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_SCHEMA);
        assertThat(e.getMessage()).contains("schema version 10").contains("versions 8").contains("9 (1.10)")
                .doesNotContain("\n");
    }

    @Test
    void anOldSchemaIsRefusedToo() throws Exception {
        sql(dir.resolve(Tpm2Pkcs11Store.FILE_NAME),
                "CREATE TABLE schema(id INTEGER PRIMARY KEY, schema_version INTEGER NOT NULL)",
                "INSERT INTO schema VALUES (1, 7)");
        assertThat(catchThrowableOfType(Tpm2Pkcs11StoreException.class, () -> Tpm2Pkcs11Store.read(dir)).reason())
                .isEqualTo(Reason.UNSUPPORTED_SCHEMA);
    }

    private static void sql(Path db, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            for (String q : statements) {
                s.execute(q);
            }
        }
    }
}
