package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.stack.keys.KeyFileException.Reason;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;

/**
 * The refusals of the key file reader, on files made by the real ssh-keygen and openssl: each
 * gives one sentence, without a stack trace's text and without any of the file's bytes.
 */
class PrivateKeyFilesTest {
    static final String ED25519 = "Ed25519 keys cannot be stored in a TPM 2.0; create an ECDSA key with"
            + " `tpmssh key create`";

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        assumeTrue(Tools.onPath("ssh-keygen") && Tools.onPath("openssl"), "ssh-keygen and openssl are needed");
    }

    Path sshKeygen(String name, String... args) throws Exception {
        Path f = dir.resolve(name);
        String[] cmd = new String[args.length + 6];
        System.arraycopy(new String[] {"ssh-keygen", "-q", "-C", name, "-f", f.toString()}, 0, cmd, 0, 6);
        System.arraycopy(args, 0, cmd, 6, args.length);
        Tools.ok(cmd);
        return f;
    }

    @Test
    void ed25519FromSshKeygenIsRefusedWithOneSentenceBeforeAnyPassphraseIsAsked() throws Exception {
        Path plain = sshKeygen("ed", "-t", "ed25519", "-N", "");
        Path locked = sshKeygen("ed-locked", "-t", "ed25519", "-N", "secret phrase");
        assertThatThrownBy(() -> PrivateKeyFiles.read(plain, PassphraseSource.none()))
                .isInstanceOf(UnsupportedKeyTypeException.class).hasMessage(ED25519);
        assertThatThrownBy(() -> PrivateKeyFiles.read(locked, f -> {
            throw new AssertionError("no passphrase should be asked for a key that cannot be imported");
        })).isInstanceOf(UnsupportedKeyTypeException.class).hasMessage(ED25519);
    }

    @Test
    void ed25519AndEd448Pkcs8FromOpensslAreRefused() throws Exception {
        Path ed = dir.resolve("ed.pem");
        Tools.ok("openssl", "genpkey", "-algorithm", "ED25519", "-out", ed.toString());
        assertThatThrownBy(() -> PrivateKeyFiles.read(ed, PassphraseSource.none()))
                .isInstanceOf(UnsupportedKeyTypeException.class).hasMessage(ED25519);
        Path ed448 = dir.resolve("ed448.pem");
        Tools.ok("openssl", "genpkey", "-algorithm", "ED448", "-out", ed448.toString());
        assertThatThrownBy(() -> PrivateKeyFiles.read(ed448, PassphraseSource.none()))
                .isInstanceOf(UnsupportedKeyTypeException.class).hasMessageStartingWith("Ed448 keys cannot be stored");
    }

    @Test
    void anUnsupportedCurveIsRefused() throws Exception {
        Path k1 = dir.resolve("k1.pem");
        Tools.ok("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1",
                "-out", k1.toString());
        assertThatThrownBy(() -> PrivateKeyFiles.read(k1, PassphraseSource.none()))
                .isInstanceOf(UnsupportedKeyTypeException.class).hasMessageContaining("P-256, P-384 or P-521");
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssh", "pem", "pkcs8"})
    void aWrongPassphraseSaysSoAndAMissingOneAsksForIt(String format) throws Exception {
        Path f;
        if ("pkcs8".equals(format)) {
            f = dir.resolve("k.pem");
            Tools.ok("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256",
                    "-pass", "pass:right phrase", "-out", f.toString());
        } else if ("pem".equals(format)) {
            f = sshKeygen("k", "-t", "rsa", "-b", "2048", "-N", "right phrase", "-m", "PEM");
        } else {
            f = sshKeygen("k", "-t", "ecdsa", "-b", "256", "-N", "right phrase");
        }
        char[] wrong = "wrong phrase".toCharArray();
        assertThatThrownBy(() -> PrivateKeyFiles.read(f, PassphraseSource.of(wrong)))
                .isInstanceOfSatisfying(KeyFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_PASSPHRASE))
                .hasMessage("the passphrase for " + f + " is wrong; try again")
                .hasNoCause();
        assertThatThrownBy(() -> PrivateKeyFiles.read(f, PassphraseSource.none()))
                .isInstanceOfSatisfying(KeyFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.PASSPHRASE_REQUIRED))
                .hasMessageContaining("is protected by a passphrase");
        assertThat(PrivateKeyFiles.read(f, PassphraseSource.of("right phrase".toCharArray()))).isNotNull();
    }

    @Test
    void theReaderWipesThePassphraseItWasGiven() throws Exception {
        Path f = sshKeygen("k", "-t", "ecdsa", "-b", "256", "-N", "right phrase");
        char[][] handedOut = new char[1][];
        PrivateKeyFiles.read(f, file -> handedOut[0] = "right phrase".toCharArray());
        assertThat(new String(handedOut[0])).isEqualTo("\0".repeat(12));
    }

    @ParameterizedTest
    @ValueSource(strings = {"openssh", "pem", "pkcs8"})
    void aTruncatedFileIsCalledDamagedWithoutEchoingItsBytes(String format) throws Exception {
        Path f;
        if ("pkcs8".equals(format)) {
            f = dir.resolve("k.pem");
            Tools.ok("openssl", "genpkey", "-algorithm", "RSA", "-out", f.toString());
        } else {
            f = "pem".equals(format) ? sshKeygen("k", "-t", "ecdsa", "-N", "", "-m", "PEM")
                    : sshKeygen("k", "-t", "ecdsa", "-N", "");
        }
        String text = Files.readString(f);
        String[] lines = text.split("\n");
        // keep the header and half the body, then the footer: a file cut short in transfer
        String cut = String.join("\n", Arrays.copyOfRange(lines, 0, lines.length / 2)) + "\n" + lines[lines.length - 1];
        Path broken = dir.resolve("broken");
        Files.writeString(broken, cut);
        byte[] before = Files.readAllBytes(broken);
        assertThatThrownBy(() -> PrivateKeyFiles.read(broken, PassphraseSource.none()))
                .isInstanceOfSatisfying(KeyFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED))
                .hasMessage(broken + " is damaged or truncated and does not parse as a private key;"
                        + " restore it from a backup")
                .hasNoCause();
        assertThat(Files.readAllBytes(broken)).as("the damaged file, left alone").isEqualTo(before);
    }

    @Test
    void missingAndForeignFilesGetOneSentence() throws Exception {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> PrivateKeyFiles.read(missing, PassphraseSource.none()))
                .isInstanceOfSatisfying(KeyFileException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MISSING))
                .hasMessage("there is no key file at " + missing + "; check the path");
        Path pub = Path.of(sshKeygen("k", "-t", "ecdsa", "-N", "") + ".pub");
        assertThatThrownBy(() -> PrivateKeyFiles.read(pub, PassphraseSource.none()))
                .isInstanceOfSatisfying(KeyFileException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_A_KEY_FILE))
                .hasMessageContaining("is not a PEM or OpenSSH private key file");
        Path cert = dir.resolve("cert.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PrivateKeyFiles.read(cert, PassphraseSource.none()))
                .isInstanceOf(KeyFileException.class).hasMessageContaining("\"CERTIFICATE\" block, not a private key");
    }
}
