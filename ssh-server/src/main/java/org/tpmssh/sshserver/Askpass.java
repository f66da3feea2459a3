package org.tpmssh.sshserver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The SSH_ASKPASS program of one OpenSSH client run, as a desktop user's askpass: it answers a PIN kept in a 0600
 * file beside it, or, made {@link #refusing}, answers nothing and fails, as a user with no PIN to give. Either way it
 * records each prompt it was shown (never the answer), so a test can say whether, and for which token, ssh asked.
 */
public final class Askpass implements AutoCloseable {
    private final Path dir;
    private final Path script;
    private final Path answer;
    private final Path prompts;

    private Askpass(Path dir, Path script, Path answer, Path prompts) {
        this.dir = dir;
        this.script = script;
        this.answer = answer;
        this.prompts = prompts;
    }

    /** An askpass in a fresh directory under {@code parent} that answers {@code pin}. */
    public static Askpass answering(Path parent, char[] pin) throws IOException {
        Path dir = privateDir(parent);
        Path answer = privateFile(dir.resolve("answer"), "rw-------");
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pin));
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        try {
            Files.write(answer, bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
            Arrays.fill(encoded.array(), (byte) 0);
        }
        return create(dir, "cat " + quoted(answer) + "\necho\n", answer);
    }

    /** An askpass that answers nothing and exits 1: ssh then has no PIN, and says so. */
    public static Askpass refusing(Path parent) throws IOException {
        return create(privateDir(parent), "exit 1\n", null);
    }

    private static Askpass create(Path dir, String body, Path answer) throws IOException {
        Path prompts = dir.resolve("prompts");
        Path script = privateFile(dir.resolve("askpass"), "rwx------");
        // The prompt is ssh's first argument, e.g. "Enter PIN for 'matrix': ".
        Files.writeString(script, "#!/bin/sh\nprintf '%s\\n' \"$1\" >> " + quoted(prompts) + "\n" + body);
        return new Askpass(dir, script, answer, prompts);
    }

    private static Path privateDir(Path parent) throws IOException {
        Files.createDirectories(parent);
        return Files.createTempDirectory(parent, "askpass", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
    }

    private static Path privateFile(Path file, String mode) throws IOException {
        return Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    }

    private static String quoted(Path file) {
        String s = file.toAbsolutePath().toString();
        if (s.contains("'")) {
            throw new IllegalArgumentException("an askpass cannot live under a path with a quote in it: " + s);
        }
        return "'" + s + "'";
    }

    /** SSH_ASKPASS and SSH_ASKPASS_REQUIRE=force, so ssh asks this program even with no terminal and no DISPLAY. */
    public Map<String, String> environment() {
        return Map.of("SSH_ASKPASS", script.toString(), "SSH_ASKPASS_REQUIRE", "force");
    }

    /** The prompts ssh showed, in order; empty when it never asked. */
    public List<String> prompts() throws IOException {
        return Files.exists(prompts) ? Files.readAllLines(prompts) : List.of();
    }

    /** Deletes the answer first, then the script, the prompts and the directory. */
    @Override
    public void close() throws IOException {
        if (answer != null) {
            Files.deleteIfExists(answer);
        }
        Files.deleteIfExists(script);
        Files.deleteIfExists(prompts);
        Files.deleteIfExists(dir);
    }
}
