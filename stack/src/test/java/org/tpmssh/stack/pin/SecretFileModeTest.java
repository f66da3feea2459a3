package org.tpmssh.stack.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A secret file other users may read or change is refused, as OpenSSH refuses such a private key file. */
class SecretFileModeTest {
    /** Not all digits, so a random temp directory name such as junit-1771234… can never contain it. */
    private static final String PIN = "pin-Qx7";

    @TempDir
    Path dir;

    private Path file(String mode) throws Exception {
        Path f = Files.writeString(dir.resolve("pin-" + mode.replace('-', '_')), PIN + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-------", "r--------", "rwx------"})
    void aFileOnlyItsOwnerCanUseIsAccepted(String mode) throws Exception {
        Path f = file(mode);
        assertThatCode(() -> SecretFileMode.requirePrivate(f, "PIN")).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @CsvSource({"rw-r--r--, read, 0644", "rw-r-----, read, 0640", "rw----r--, read, 0604",
            "rw--w----, changed, 0620", "rw-----w-, changed, 0602", "rw-rw-rw-, read and changed, 0666",
            "rw-r---w-, read and changed, 0642"})
    void aFileOthersCanReadOrChangeIsRefusedSayingWhatTheyCanDoAndTheFix(String mode, String can, String octal)
            throws Exception {
        Path f = file(mode);
        assertThatThrownBy(() -> SecretFileMode.requirePrivate(f, "PIN"))
                .isInstanceOf(ExposedSecretFileException.class)
                .hasMessageStartingWith("the PIN file " + f + " can be " + can + " by other users (mode " + octal + ")")
                .hasMessageContaining("chmod 600 " + f)
                .hasMessageNotContaining(PIN);
    }

    @Test
    void aSymlinkIsJudgedByTheFileItPointsTo() throws Exception {
        Path target = file("rw-r--r--");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        assertThatThrownBy(() -> SecretFileMode.requirePrivate(link, "passphrase"))
                .isInstanceOf(ExposedSecretFileException.class).hasMessageContaining("mode 0644");
    }

    @Test
    void aMissingFileOrADirectoryIsLeftForTheReaderToReport() {
        assertThatCode(() -> SecretFileMode.requirePrivate(dir.resolve("none"), "PIN")).doesNotThrowAnyException();
        assertThatCode(() -> SecretFileMode.requirePrivate(dir, "PIN")).doesNotThrowAnyException();
    }
}
