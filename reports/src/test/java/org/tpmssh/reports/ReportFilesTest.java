package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.reports.format.ReportFiles;
import org.tpmssh.reports.format.ReportFormatException;

class ReportFilesTest {

    @TempDir Path dir;

    private static Stream<String> names(Path dir) throws Exception {
        return Files.list(dir).map(p -> p.getFileName().toString());
    }

    @Test
    void writesTheThreeFilesReadableByAllAndLeavesNothingElse() throws Exception {
        ReportFiles.writeAll(dir, SampleReports.realistic("run", 1, 1.0), false);

        assertThat(names(dir)).containsExactlyInAnyOrder("report.json", "junit.xml", "report.html");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("report.html"))))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void junitOnlyWritesJunitXmlAlone() throws Exception {
        ReportFiles.writeAll(dir, SampleReports.realistic("run", 1, 1.0), true);
        assertThat(names(dir)).containsExactly("junit.xml");
    }

    @Test
    void aSecondWriterIntoTheSameDirectoryIsRefusedWithWhatToDo() throws Exception {
        // Held here by this JVM; another process holding it gives the same refusal.
        try (FileChannel ch = FileChannel.open(dir.resolve(".report.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
                FileLock lock = ch.lock()) {
            assertThatThrownBy(() -> ReportFiles.writeAll(dir, SampleReports.realistic("run", 1, 1.0), false))
                    .isInstanceOf(ReportFormatException.class)
                    .hasMessageContaining("give this run its own --reports-dir");
        }
        assertThat(names(dir)).as("nothing written, and the holder's lock file left alone")
                .containsExactly(".report.lock");
    }
}
