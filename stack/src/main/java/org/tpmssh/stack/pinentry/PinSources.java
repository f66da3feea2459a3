package org.tpmssh.stack.pinentry;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.tpmssh.stack.pin.SecretFileMode;
import org.tpmssh.stack.pin.Secrets;

/** The non-interactive PIN sources: a PIN file ({@code --pin-file}) and the TPMSSH_PIN variable. */
public final class PinSources {

    /** Longer than any PIN a person types; a file this long is not a PIN file. */
    static final int MAX_PIN_CHARS = 1024;

    private PinSources() {
    }

    /** The first line of {@code file}, read afresh for every signature so a rotated file takes effect. */
    public static PinSource file(Path file) {
        return new PinSource() {
            @Override
            public char[] pin(String scope, String prompt) throws IOException {
                SecretFileMode.requirePrivate(file, "PIN"); // before the try, so its sentence is kept
                try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    return firstLine(reader);
                } catch (IOException e) {
                    throw new IOException("cannot read the PIN file " + file + ": " + e.getClass().getSimpleName(), e);
                }
            }

            @Override
            public String name() {
                return "the PIN file " + file;
            }

            @Override
            public String howToProvide() {
                return "pass --pin-file FILE";
            }
        };
    }

    /** TPMSSH_PIN from {@code environment}; for automation, since any process of the user can read it. */
    public static PinSource environment(Map<String, String> environment) {
        String value = environment.get("TPMSSH_PIN");
        return new PinSource() {
            @Override
            public char[] pin(String scope, String prompt) {
                return value == null ? null : value.toCharArray();
            }

            @Override
            public String name() {
                return "TPMSSH_PIN";
            }

            @Override
            public String howToProvide() {
                return "set TPMSSH_PIN";
            }
        };
    }

    private static char[] firstLine(Reader reader) throws IOException {
        char[] buffer = new char[MAX_PIN_CHARS];
        int length = 0;
        try {
            int c;
            while (length < buffer.length && (c = reader.read()) >= 0 && c != '\n' && c != '\r') {
                buffer[length++] = (char) c;
            }
            return Arrays.copyOf(buffer, length);
        } finally {
            Secrets.wipe(buffer);
        }
    }
}
