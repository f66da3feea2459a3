package org.tpmssh.stack.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/** Writing the seed inputs of fuzz targets, for the recorders that make them from real tools. */
public final class Seeds {
    private Seeds() {
    }

    /** Writes {@code content} as seed {@code name}; with a selector, that byte goes first, as the targets read it. */
    public static void write(Path dir, String name, Integer selector, byte[] content) throws IOException {
        Files.createDirectories(dir);
        byte[] seed = content;
        if (selector != null) {
            seed = new byte[content.length + 1];
            seed[0] = (byte) (int) selector;
            System.arraycopy(content, 0, seed, 1, content.length);
        }
        Files.write(dir.resolve(name), seed);
        System.out.println(dir.resolve(name) + ": " + seed.length + " bytes");
    }

    /** What a recorder does in its scratch directory. */
    @FunctionalInterface
    public interface Recording {
        void record(Path scratch) throws Exception;
    }

    /** Runs {@code recording} in a fresh owner-only directory named after {@code prefix}, removed afterwards. */
    public static void inScratch(String prefix, Recording recording) throws Exception {
        Path work = Files.createTempDirectory(prefix, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        try {
            recording.record(work);
        } finally {
            deleteTree(work);
        }
    }

    /** Removes a recorder's scratch directory. */
    public static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
