package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.DisplayName;
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
        assertThat(Files.readString(file)).contains("\"schemaVersion\" : " + RunReport.SCHEMA_VERSION)
                .contains("\"ratioToBaseline\"").contains("\"libtpm2-pkcs11-1\" : \"1.9.0-0.1+deb12u1\"");
        assertThat(ReportJson.read(file).environment().packages()).isEqualTo(SampleReports.PACKAGES);
        assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
    }

    @Test
    void aVersionOneReportReadsWithoutPackages() throws Exception {
        RunReport v2 = SampleReports.realistic("old", 1, 1.0);
        // Version 1 had no environment.packages: remove it and mark the file as version 1.
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(ReportJson.toBytes(v2));
        tree.put("schemaVersion", 1);
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("environment")).remove("packages");
        Path file = Files.write(dir.resolve("report.json"), mapper.writeValueAsBytes(tree));

        RunReport read = ReportJson.read(file);
        assertThat(read.schemaVersion()).isEqualTo(1);
        assertThat(read.environment().packages()).isEmpty();
        assertThat(read.environment().tpms()).isEqualTo(v2.environment().tpms());
    }

    @Test
    @DisplayName("a container TPM's image and emulator versions are written beside its identity, and read back")
    void containerImagesBesideTheirTpm() throws Exception {
        RunReport report = SampleReports.realistic("run", 1, 1.0);
        Path file = dir.resolve("report.json");
        ReportJson.write(report, file);

        JsonNode tpms = new ObjectMapper().readTree(file.toFile()).get("environment").get("tpms");
        assertThat(tpms).hasSize(3);
        assertThat(tpms.get(0).get("image").isNull()).as("swtpm-tcp ran in no container").isTrue();
        JsonNode testing = tpms.get(2);
        assertThat(testing.get("backend").asText()).isEqualTo("container-testing");
        assertThat(testing.get("firmware").asText()).isEqualTo("8228.293.18.0");
        assertThat(testing.get("image").get("name").asText()).isEqualTo("tpmssh/swtpm:0.10.2-forky");
        assertThat(testing.get("image").get("debianRelease").asText()).isEqualTo("forky");
        assertThat(testing.get("image").get("swtpm").asText()).isEqualTo("0.10.2-2");
        assertThat(testing.get("image").get("libtpms").asText()).isEqualTo("0.10.2-5");
        assertThat(ReportJson.read(file).environment().tpms().get(1).image().libtpms())
                .isEqualTo("0.9.2-3.1+deb12u1");
    }

    @Test
    @DisplayName("a version-1 report, written before TPMs had images, still reads")
    void versionOneStillReads() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode tree = (ObjectNode) mapper.readTree(ReportJson.toBytes(SampleReports.realistic("old", 1, 1.0)));
        tree.put("schemaVersion", 1);
        tree.get("environment").get("tpms").forEach(t -> ((ObjectNode) t).remove("image"));
        Path file = Files.write(dir.resolve("report.json"), mapper.writeValueAsBytes(tree));

        RunReport old = ReportJson.read(file);
        assertThat(old.schemaVersion()).isEqualTo(1);
        assertThat(old.environment().tpms()).hasSize(3).allSatisfy(t -> assertThat(t.image()).isNull());
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
