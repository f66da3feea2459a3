package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tpmssh.reports.diff.ReportDiff;
import org.tpmssh.reports.format.ReportFormatException;
import org.tpmssh.reports.format.ReportJson;
import org.tpmssh.reports.model.RunReport;

/**
 * Fuzz target for report.json's reader, as {@code tpmssh report diff} uses it: a file reads as a report that diffs
 * against a real run both ways and against itself to nothing, or fails with a {@link ReportFormatException}; never
 * another exception. Seeds are report.json files of real conformance runs on this machine, cut to a few results.
 */
class ReportJsonFuzzTest {
    private static final Path DIR = scratch();
    private static final RunReport REAL = real();

    @AfterAll
    static void removeScratch() throws IOException {
        try (var walk = Files.walk(DIR)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @FuzzTest
    void read(byte[] json) throws IOException {
        Path file = DIR.resolve("report.json");
        Files.write(file, json);
        RunReport report;
        try {
            report = ReportJson.read(file);
        } catch (ReportFormatException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        assertThat(ReportDiff.compare(REAL, report).toText()).isNotNull();
        assertThat(ReportDiff.compare(report, REAL).toText()).isNotNull();
        assertThat(ReportDiff.compare(report, report).isEmpty()).as("a report diffed with itself").isTrue();
    }

    private static Path scratch() {
        try {
            return Files.createTempDirectory("report-json-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RunReport real() {
        try {
            Path file = DIR.resolve("real.json");
            try (var in = ReportJsonFuzzTest.class.getResourceAsStream("ReportJsonFuzzTestInputs/read/"
                    + "conformance-run-container")) {
                Files.write(file, in.readAllBytes());
            }
            return ReportJson.read(file);
        } catch (IOException | ReportFormatException e) {
            throw new IllegalStateException("the real report seed does not read", e);
        }
    }
}
