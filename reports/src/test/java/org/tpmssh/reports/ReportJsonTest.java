package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.reports.format.ReportFormatException;
import org.tpmssh.reports.format.ReportJson;
import org.tpmssh.reports.model.RunReport;

class ReportJsonTest {

    @TempDir Path dir;

    @Test
    void aReportRoundTripsThroughItsOwnReader() throws Exception {
        RunReport report = SampleReports.realistic("2026-11-28T04-00-00", 1, 1.0);
        Path file = dir.resolve("report.json");
        ReportJson.write(report, file);

        assertThat(ReportJson.read(file)).isEqualTo(report);
        assertThat(ReportJson.read(dir)).as("a run directory reads its report.json").isEqualTo(report);
        assertThat(Files.readString(file)).contains("\"schemaVersion\" : " + RunReport.SCHEMA_VERSION).contains("\"ratioToBaseline\"");
        assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void aNewerSchemaIsRefusedWithWhatToDo() throws Exception {
        Path file = Files.writeString(dir.resolve("report.json"), "{\"schemaVersion\": 99}");
        assertThatThrownBy(() -> ReportJson.read(file))
                .isInstanceOf(ReportFormatException.class)
                .hasMessageContaining("schema version 99").hasMessageContaining("use a newer tpmssh");
    }

    @Test
    void somethingElseIsRefusedByName() throws Exception {
        Path file = Files.writeString(dir.resolve("x.json"), "[1,2]");
        assertThatThrownBy(() -> ReportJson.read(file)).hasMessageContaining("is not a tpmssh report.json");
        assertThatThrownBy(() -> ReportJson.read(dir.resolve("missing")))
                .hasMessageContaining("no report at").hasMessageContaining("run directory");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"schemaVersion\": 1, \"results\": [");
        assertThatThrownBy(() -> ReportJson.read(broken)).isInstanceOf(ReportFormatException.class);
    }
}
