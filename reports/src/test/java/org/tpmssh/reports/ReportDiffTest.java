package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tpmssh.reports.diff.ReportDiff;
import org.tpmssh.reports.latency.LatencyRecorder;
import org.tpmssh.reports.model.LatencySeries;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

class ReportDiffTest {

    @Test
    void twoRunsOfTheSameMachineDifferOnlyInNoise() {
        RunReport a = SampleReports.realistic("A", 1, 1.0);
        RunReport b = SampleReports.realistic("B", 2, 1.0);
        ReportDiff diff = ReportDiff.compare(a, b);

        assertThat(diff.isEmpty()).as(diff.toText()).isTrue();
        assertThat(diff.comparedSeries()).isEqualTo(10);
        assertThat(diff.toText()).contains("Status changes (0 of 6 scenarios):\n  none");
    }

    @Test
    void aSlowerStackAndAStatusChangeAreReported() {
        RunReport a = SampleReports.realistic("A", 1, 1.0);
        RunReport slow = SampleReports.realistic("B", 2, 1.8);
        List<Result> results = new ArrayList<>(slow.results());
        Result first = results.get(0);
        results.set(0, SampleReports.result(first.combination(), first.scenario(), Status.FAIL, "lockout"));
        RunReport b = new RunReport(1, "B", slow.startedAt(), 1, slow.environment(), results, slow.latency());

        ReportDiff diff = ReportDiff.compare(a, b);

        assertThat(diff.statusChanges()).singleElement().satisfies(c -> {
            assertThat(c.before()).isEqualTo(Status.PASS);
            assertThat(c.after()).isEqualTo(Status.FAIL);
            assertThat(c.reason()).isEqualTo("lockout");
        });
        // Each measured operation got 80 % slower; the baselines did not move.
        assertThat(diff.latencyChanges()).hasSize(6)
                .allSatisfy(c -> assertThat(c.relativeChange()).isBetween(0.5, 1.1))
                .extracting(ReportDiff.LatencyChange::operation)
                .doesNotContain(LatencyRecorder.RAW_TPM_SIGN, LatencyRecorder.FILE_KEY_LOGIN);
        assertThat(diff.toText()).contains("PASS -> FAIL").contains("lockout").contains("Latency beyond noise (6 of 10");
    }

    @Test
    void noiseIsTheWiderSpreadOrTenPercent() {
        LatencySeries tight = series(100, 101);
        LatencySeries wide = series(100, 140);
        assertThat(ReportDiff.noise(tight, tight)).isEqualTo(10);
        assertThat(ReportDiff.noise(tight, wide)).isEqualTo(40);
    }

    @Test
    void aScenarioInOneRunOnlyIsAChange() {
        RunReport a = SampleReports.realistic("A", 1, 1.0);
        RunReport b = new RunReport(1, "B", "t", 1, a.environment(), a.results().subList(1, 6), a.latency());
        ReportDiff diff = ReportDiff.compare(a, b);
        assertThat(diff.statusChanges()).singleElement()
                .satisfies(c -> assertThat(c.after()).isNull());
        assertThat(diff.toText()).contains("PASS -> —");
    }

    @Test
    void aLatencySeriesInOneRunOnlyIsListedNotCompared() {
        RunReport a = SampleReports.realistic("A", 1, 1.0);
        RunReport b = new RunReport(1, "B", "t", 1, a.environment(), a.results(), a.latency().subList(1, 10));
        ReportDiff diff = ReportDiff.compare(a, b);
        assertThat(diff.seriesInOneRunOnly()).containsExactly(
                a.latency().get(0).operation() + " @ " + a.latency().get(0).combination() + " (A only)");
        assertThat(diff.comparedSeries()).isEqualTo(9);
        assertThat(diff.isEmpty()).isTrue();
    }

    private static LatencySeries series(long p50, long p95) {
        return new LatencySeries("c", "tpm-sign", 10, p50, p95, p95, p95, null, null, null, List.of());
    }
}
