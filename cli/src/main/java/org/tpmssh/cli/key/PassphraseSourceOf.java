package org.tpmssh.cli.key;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Path;
import org.tpmssh.cli.options.PinFiles;
import org.tpmssh.stack.keys.PassphraseSource;
import org.tpmssh.stack.pin.ExposedSecretFileException;
import org.tpmssh.stack.pin.SecretFileMode;

/** A key file's passphrase: from {@code --passphrase-file}, else typed at the terminal, else none. */
final class PassphraseSourceOf {
    private PassphraseSourceOf() {
    }

    /** Refuses at once a passphrase file others can read, even for a key file that turns out not to be encrypted. */
    static PassphraseSource of(Path passphraseFile) throws ExposedSecretFileException {
        if (passphraseFile != null) {
            SecretFileMode.requirePrivate(passphraseFile, "passphrase");
        }
        return file -> {
            if (passphraseFile != null) {
                try {
                    return PinFiles.read(passphraseFile, "passphrase");
                } catch (PinFiles.PinFileException e) {
                    throw new IOException(e.getMessage());
                }
            }
            Console console = System.console();
            if (console == null) {
                return null; // the reader then says the file is encrypted and needs --passphrase-file
            }
            return console.readPassword("Enter the passphrase of %s: ", file);
        };
    }
}
