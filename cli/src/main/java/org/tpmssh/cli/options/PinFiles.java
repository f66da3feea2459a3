package org.tpmssh.cli.options;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.tpmssh.stack.pin.ExposedSecretFileException;
import org.tpmssh.stack.pin.SecretFileMode;
import org.tpmssh.stack.pin.Secrets;

/**
 * Reads a PIN from a file that holds one line. PINs are never taken as command-line arguments, because
 * those show in {@code ps}; every byte read is wiped before returning.
 */
public final class PinFiles {
    private PinFiles() {
    }

    /**
     * The first line of the file, without its line ending. The caller wipes the result. A file other
     * users can read or change is refused ({@link SecretFileMode}); that refusal is a usage error.
     */
    public static char[] read(Path file, String what) throws PinFileException {
        try {
            SecretFileMode.requirePrivate(file, what);
        } catch (ExposedSecretFileException e) {
            throw new PinFileException(e.getMessage(), e);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PinFileException("the " + what + " file " + file + " does not exist");
        } catch (IOException e) {
            throw new PinFileException("cannot read the " + what + " file " + file + ": " + e.getMessage());
        }
        try {
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n' && bytes[end] != '\r') {
                end++;
            }
            if (end == 0) {
                throw new PinFileException("the " + what + " file " + file + " is empty; put the PIN on its"
                        + " first line, or choose a PIN-less token or key instead");
            }
            CharBuffer chars;
            try {
                chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes, 0, end));
            } catch (CharacterCodingException e) {
                throw new PinFileException("the " + what + " file " + file + " is not UTF-8 text");
            }
            char[] pin = Arrays.copyOfRange(chars.array(), chars.position(), chars.limit());
            Arrays.fill(chars.array(), '\0');
            return pin;
        } finally {
            Secrets.wipe(bytes);
        }
    }

    /** The PIN file is missing, empty or unreadable; the message names the file and never its content. */
    public static final class PinFileException extends Exception {
        private static final long serialVersionUID = 1L;

        public PinFileException(String message) {
            super(message);
        }

        public PinFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
