package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.reports.format.HtmlReport;
import org.tpmssh.reports.format.ReportJson;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.WireReport;
import org.tpmssh.reports.wire.WireRecorder;

/**
 * The wire figures in the reports: recorded samples become a commands-per-operation table with the stacks side by
 * side, a projected-latency table under a chip profile and the scans; report.json round-trips them, and a
 * version-1 report (before they existed) still reads. The samples are written here, as a run's wire would give them.
 */
class WireReportTest {
    @TempDir Path dir;

    static WireReport sample() {
        WireRecorder rec = new WireRecorder();
        rec.proxying(new WireReport.Proxying("swtpm-tcp", true, null));
        rec.proxying(new WireReport.Proxying("device", false, "a kernel TPM device is a character device"));
        Map<String, String> measuredSign = Map.of("Sign", WireReport.MEASURED, "Load", WireReport.ESTIMATED);
        rec.record(new WireRecorder.Sample("java", "cold sign", 3, "ecc-p256", ordered("Load", 2, "FlushContext", 1,
                "Sign", 1, "StartAuthSession", 1, "Unseal", 1), 6, 394_000_000, measuredSign));
        for (int i = 0; i < 5; i++) {
            rec.record(new WireRecorder.Sample("java", "steady sign", 4, "ecc-p256", ordered("Sign", 1), 1,
                    (70 + i) * 1_000_000L, Map.of("Sign", WireReport.MEASURED)));
        }
        rec.record(new WireRecorder.Sample("java", "steady sign", 4, "ecc-p256", ordered("Load", 1, "Sign", 1), 2,
                140_000_000, measuredSign));
        rec.record(new WireRecorder.Sample("tpm2-pkcs11", "pkcs11-tool --sign", 8, "ecc-p256", ordered("TestParms",
                18, "ContextSave", 9, "ContextLoad", 6, "FlushContext", 5, "GetCapability", 4, "Load", 2, "Sign", 1,
                "StartAuthSession", 1, "Unseal", 1), 47, 582_000_000, measuredSign));
        rec.scan(new WireReport.SecretScan("swtpm-tcp", "java", 23, 6100, List.of("user PIN", "token secret"),
                List.of(), true, true));
        rec.scan(new WireReport.SecretScan("swtpm-tcp", "tpm2-pkcs11", 200, 40_000, List.of("user seal authValue"),
                List.of(new WireReport.Finding("user seal authValue", "raw", "Create", "command", 17)), false, true));
        return rec.snapshot(new WireReport.ChipProfile("slb9670", "Infineon SLB9670", "wolfTPM README (68deab3)"));
    }

    private static Map<String, Integer> ordered(Object... pairs) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return m;
    }

    @Test
    void theTypicalSampleIsShownWithTheRangeAndTheDelaysLabelled() {
        WireReport wire = sample();
        WireReport.OperationCount steady = wire.operations().stream()
                .filter(o -> o.operation().equals("steady sign")).findFirst().orElseThrow();
        assertThat(steady.commands()).as("the most frequent sample").isEqualTo(1);
        assertThat(steady.byCommand()).containsExactly(Map.entry("Sign", 1));
        assertThat(steady.minCommands()).isEqualTo(1);
        assertThat(steady.maxCommands()).isEqualTo(2);
        assertThat(steady.samples()).isEqualTo(6);
        assertThat(steady.delayBasis()).containsEntry("Sign", WireReport.MEASURED)
                .containsEntry("Load", WireReport.ESTIMATED);
        assertThat(steady.p50Nanos()).isBetween(71_000_000L, 73_000_000L);
        assertThat(wire.operations()).extracting(WireReport.OperationCount::operation)
                .as("in table order").containsExactly("cold sign", "steady sign", "pkcs11-tool --sign");
    }

    @Test
    void reportJsonRoundTripsTheWireFigures() throws Exception {
        RunReport report = SampleReports.realistic("run-wire", 1, 1.0).withWire(sample());
        Path file = dir.resolve("report.json");
        ReportJson.write(report, file);
        assertThat(ReportJson.read(file)).isEqualTo(report);
        assertThat(Files.readString(file)).contains("\"byCommand\"").contains("\"TestParms\" : 18")
                .contains("\"latencyProfile\"");
    }

    @Test
    void aVersionOneReportWithoutWireFiguresStillReads() throws Exception {
        RunReport v1 = new RunReport(1, "old-run", "2026-11-28T04:00:00Z", 1000, SampleReports.environment(),
                List.of(), List.of());
        String json = new String(ReportJson.toBytes(v1)).replace("\"wire\" : null,", "").replace(",\n  \"wire\" : null",
                "");
        assertThat(json).doesNotContain("wire");
        Path file = Files.writeString(dir.resolve("report.json"), json);
        RunReport read = ReportJson.read(file);
        assertThat(read.schemaVersion()).isEqualTo(1);
        assertThat(read.wire()).isNull();
        assertThat(HtmlReport.render(read)).contains("No wire figures in this run");
    }

    @Test
    void aDamagedWireSectionIsATypedErrorNamingTheFile() throws Exception {
        RunReport report = SampleReports.realistic("run-wire", 1, 1.0).withWire(sample());
        String json = new String(ReportJson.toBytes(report)).replace("\"Sign\" : \"measured\"", "\"Sign\" : null");
        Path file = Files.writeString(dir.resolve("report.json"), json);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReportJson.read(file))
                .isInstanceOf(org.tpmssh.reports.format.ReportFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("is not a valid report.json");
    }

    @Test
    void reportHtmlShowsTheStacksSideBySideTheProjectedLatencyAndTheScans() {
        String html = HtmlReport.render(SampleReports.realistic("run-wire", 1, 1.0).withWire(sample()));
        assertThat(html).contains("<table id=\"wire-counts\">").contains("<th>java</th><th>tpm2-pkcs11</th>")
                .contains("<b>47</b> (18 TestParms, 9 ContextSave")
                .contains("(1–2 over 6 samples)")
                .contains("<b>device</b>: not proxied, a kernel TPM device is a character device.")
                .contains("Projected latency on Infineon SLB9670").contains("<table id=\"wire-latency\">")
                .contains("<td>Sign</td><td>Load</td>")
                .contains("<table id=\"wire-scans\">").contains("finding, not a failure: user seal authValue as raw")
                .contains("planted secret found");
    }
}
