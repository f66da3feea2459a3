package org.tpmssh.reports.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tpmssh.reports.model.RunReport;

/** Writes a run's reports into its directory, each file whole or not at all and under a lock. */
public final class ReportFiles {

    public static final String JSON = "report.json";
    public static final String JUNIT = "junit.xml";
    public static final String HTML = "report.html";
    private static final String LOCK = ".report.lock";

    private ReportFiles() {}

    /** Writes report.json, junit.xml and report.html, or only junit.xml when {@code junitOnly}. */
    public static Map<String, Path> writeAll(Path dir, RunReport report, boolean junitOnly)
            throws ReportFormatException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (!junitOnly) {
            files.put(JSON, ReportJson.toBytes(report));
        }
        files.put(JUNIT, JUnitXml.toBytes(report));
        if (!junitOnly) {
            files.put(HTML, HtmlReport.render(report).getBytes(StandardCharsets.UTF_8));
        }
        Map<String, Path> written = new LinkedHashMap<>();
        try {
            Files.createDirectories(dir);
            Path lockFile = dir.resolve(LOCK);
            try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = tryLock(lockChannel)) {
                if (lock == null) {
                    // The lock file is the other writer's: leave it to them.
                    throw new ReportFormatException("another run is writing reports into " + dir
                            + "; give this run its own --reports-dir");
                }
                try {
                    for (Map.Entry<String, byte[]> f : files.entrySet()) {
                        Path target = dir.resolve(f.getKey());
                        writeAtomically(target, f.getValue());
                        written.put(f.getKey(), target);
                    }
                } finally {
                    Files.deleteIfExists(lockFile);
                }
            }
        } catch (IOException e) {
            throw new ReportFormatException("cannot write the reports into " + dir + ": " + e.getMessage(), e);
        }
        return written;
    }

    // Null when another process holds the lock, or another thread of this JVM does.
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    /** Replaces {@code target} with {@code bytes} so that a reader sees the old file or the new one, whole. */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            // Reports hold no secret and are shared between lab users: readable by all, unlike a temp file.
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: its defaults apply.
            }
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
