package org.tpmssh.stack.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Fuzz targets for the key files people hand to tpmssh: OpenSSH, PEM (PKCS#1, SEC1) and PKCS#8 private keys, with
 * and without passphrase, and their import wrap; OpenSSH public key lines; TSS2 PRIVATE KEY files; and the PEM
 * public key of a remote wrap's parent. The contract: a result that is usable (below, for each), or the typed
 * exception the reader documents; never another exception, a hang or an allocation beyond the heap. Seeds are
 * files made by ssh-keygen, openssl, tpm2-openssl and tpm2-tools (docs/fuzzing.md).
 */
class KeyFilesFuzzTest {
    /** The passphrase of every encrypted seed. */
    static final char[] PASSPHRASE = "fuzz passphrase".toCharArray();
    private static final Path FILE = scratchFile();
    /** An RSA parent: its seed wrap (RSA-OAEP) costs a tenth of an ECC one (ECDH), which fuzzing feels. */
    private static final TpmtPublic SRK = parent("tpm2-readpublic-srk-rsa");

    /** A private key file reads as a key pair a TPM can hold, whose import wrap matches it, or fails typed. */
    @AfterAll
    static void removeScratch() throws IOException {
        try (var walk = Files.walk(FILE.getParent())) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @FuzzTest
    void privateKey(byte[] file) throws IOException {
        Files.write(FILE, file);
        KeyPair pair;
        try {
            pair = PrivateKeyFiles.read(FILE, PassphraseSource.of(PASSPHRASE));
        } catch (KeyFileException | UnsupportedKeyTypeException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        KeyImport.Wrapped wrapped;
        try {
            wrapped = KeyImport.wrap(pair, SRK, new byte[32], false, new SecureRandom());
        } catch (UnsupportedKeyTypeException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        try {
            assertThat(SshPublicKeys.encode(wrapped.publicArea().toPublicKey()))
                    .isEqualTo(SshPublicKeys.encode(pair.getPublic()));
        } catch (TpmException e) {
            throw new AssertionError("the wrap's public area is not a key", e);
        }
        assertThat(wrapped.duplication().duplicate()).isNotEmpty();
    }

    /** An authorized_keys or .pub line gives a key whose encoding is the line's blob, or fails typed. */
    @FuzzTest
    void publicKey(byte[] line) throws SshWireFormatException {
        byte[] blob;
        try {
            blob = SshPublicKeys.blobFromLine(new String(line, StandardCharsets.UTF_8));
            assertThat(SshPublicKeys.encode(SshPublicKeys.parse(blob))).isEqualTo(blob);
        } catch (SshWireFormatException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }

    /** A TSS2 PRIVATE KEY file reads as one that writes back as itself and names its parents, or fails typed. */
    @FuzzTest
    void tss2KeyFile(byte[] pem) throws KeyFileException {
        Tss2KeyFile f;
        try {
            f = Tss2KeyFile.parsePem(new String(pem, StandardCharsets.ISO_8859_1), "fuzzed.tss2");
        } catch (KeyFileException expected) {
            assertThat(expected.getMessage()).startsWith("fuzzed.tss2 ");
            return;
        }
        assertThat(Tss2KeyFile.parsePem(f.toPem(), "written back")).isEqualTo(f);
        assertThat(Tss2Keys.parentTemplates(f)).isNotEmpty();
        assertThat(f.pubkey().name()).isNotEmpty();
    }

    /** A parent's PEM public key gives an SRK public area that can take a wrapped seed, or fails typed. */
    @FuzzTest
    void parentPublicPem(byte[] pem) throws Exception {
        TpmtPublic parent;
        try {
            parent = Tss2Keys.parentFromPem(new String(pem, StandardCharsets.ISO_8859_1));
        } catch (KeyFileException | UnsupportedKeyTypeException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        assertThat(parent.toPublicKey()).isNotNull();
        assertThat(parent.name()).isNotEmpty();
    }

    private static Path scratchFile() {
        try {
            return Files.createTempDirectory("key-files-fuzz").resolve("key");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TpmtPublic parent(String seed) {
        try {
            byte[] pem = KeyFilesFuzzTest.class.getResourceAsStream("KeyFilesFuzzTestInputs/parentPublicPem/" + seed)
                    .readAllBytes();
            return Tss2Keys.parentFromPem(new String(pem, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
