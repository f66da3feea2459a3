package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tpmssh.reports.latency.LatencyRecorder;
import org.tpmssh.reports.model.LatencySeries;

class LatencyRecorderTest {

    private static LatencySeries find(List<LatencySeries> all, String combination, String op) {
        return all.stream().filter(s -> s.combination().equals(combination) && s.operation().equals(op))
                .findFirst().orElseThrow();
    }

    @Test
    void percentilesAndRatioToTheBaselineOfTheSameCombination() {
        LatencyRecorder rec = new LatencyRecorder();
        for (int i = 1; i <= 100; i++) {
            rec.record("c", LatencyRecorder.TPM_SIGN, i * 1_000_000L);
            rec.record("c", LatencyRecorder.RAW_TPM_SIGN, i * 500_000L);
        }
        LatencySeries sign = find(rec.snapshot(), "c", LatencyRecorder.TPM_SIGN);

        assertThat(sign.count()).isEqualTo(100);
        assertThat(sign.p50Nanos()).isCloseTo(50_000_000L, within(100_000L));
        assertThat(sign.p95Nanos()).isCloseTo(95_000_000L, within(100_000L));
        assertThat(sign.p99Nanos()).isCloseTo(99_000_000L, within(100_000L));
        assertThat(sign.maxNanos()).isCloseTo(100_000_000L, within(100_000L));
        assertThat(sign.baseline()).isEqualTo(LatencyRecorder.RAW_TPM_SIGN);
        assertThat(sign.ratioToBaseline()).isCloseTo(2.0, within(0.01));
        assertThat(sign.distribution()).extracting(LatencySeries.Point::nanos).isSorted();
        assertThat(find(rec.snapshot(), "c", LatencyRecorder.RAW_TPM_SIGN).baseline()).isNull();
    }

    @Test
    void aBaselineRecordedOncePerBackendServesEveryCombinationOfThatBackend() {
        LatencyRecorder rec = new LatencyRecorder();
        rec.record("swtpm-tcp|java|openssh|ecc-p256|created", LatencyRecorder.LOGIN, 200_000_000L);
        rec.record("swtpm-tcp", LatencyRecorder.FILE_KEY_LOGIN, 100_000_000L);
        rec.record("mssim", LatencyRecorder.FILE_KEY_LOGIN, 900_000_000L);

        LatencySeries login = find(rec.snapshot(), "swtpm-tcp|java|openssh|ecc-p256|created", LatencyRecorder.LOGIN);
        assertThat(login.ratioToBaseline()).isCloseTo(2.0, within(0.01));
    }

    @Test
    void withoutABaselineTheRatioIsAbsentNotZero() {
        LatencyRecorder rec = new LatencyRecorder();
        rec.record("c", LatencyRecorder.AGENT_SIGN, 5);
        LatencySeries s = rec.snapshot().get(0);
        assertThat(s.baseline()).isEqualTo(LatencyRecorder.RAW_TPM_SIGN);
        assertThat(s.baselineP50Nanos()).isNull();
        assertThat(s.ratioToBaseline()).isNull();
    }

    @Test
    void aTimerRecordsOnceAndRecordingIsThreadSafe() throws Exception {
        LatencyRecorder rec = new LatencyRecorder();
        LatencyRecorder.Timer t = rec.time("c", LatencyRecorder.LOGIN);
        Thread.sleep(2);
        t.close();
        t.close();
        assertThat(find(rec.snapshot(), "c", LatencyRecorder.LOGIN).count()).isEqualTo(1);
        assertThat(find(rec.snapshot(), "c", LatencyRecorder.LOGIN).p50Nanos()).isGreaterThanOrEqualTo(2_000_000L);

        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread th = new Thread(() -> {
                for (int j = 0; j < 10_000; j++) {
                    rec.record("c", LatencyRecorder.TPM_SIGN, 1000 + j);
                }
            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(find(rec.snapshot(), "c", LatencyRecorder.TPM_SIGN).count()).isEqualTo(80_000);
        rec.reset();
        assertThat(rec.snapshot()).isEmpty();
    }

    @Test
    void theSameCombinationOnAnotherBackendSitsBesideIt() {
        LatencyRecorder rec = new LatencyRecorder();
        for (String backend : List.of("swtpm-tcp", "swtpm-abrmd", "swtpm-unix")) {
            for (String key : List.of("rsa-2048", "ecc-p256")) {
                String c = backend + "|java|openssh|" + key + "|created";
                rec.record(c, LatencyRecorder.TPM_SIGN, 1_000_000L);
                rec.record(c, LatencyRecorder.LOGIN, 100_000_000L);
            }
        }
        assertThat(rec.snapshot()).extracting(s -> s.operation() + " " + s.combination()).startsWith(
                "login swtpm-abrmd|java|openssh|ecc-p256|created",
                "login swtpm-tcp|java|openssh|ecc-p256|created",
                "login swtpm-unix|java|openssh|ecc-p256|created",
                "tpm-sign swtpm-abrmd|java|openssh|ecc-p256|created",
                "tpm-sign swtpm-tcp|java|openssh|ecc-p256|created");
    }
}
