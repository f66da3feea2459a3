package org.tpmssh.stack.keys;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the passphrase of an encrypted key file comes from; it is asked only when the file turns out to be
 * encrypted.
 */
@FunctionalInterface
public interface PassphraseSource {

    /** A fresh array holding the passphrase for {@code file}, or null when there is none to give. */
    char[] passphrase(Path file) throws IOException;

    /** For files that must not be encrypted. */
    static PassphraseSource none() {
        return file -> null;
    }

    /** Hands out copies of {@code passphrase}; the caller still owns (and wipes) the original. */
    static PassphraseSource of(char[] passphrase) {
        return file -> passphrase.clone();
    }
}
