package org.tpmssh.reports.latency;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.tpmssh.reports.model.LatencySeries;

/**
 * Collects latencies per combination and operation in HdrHistograms, from any thread, and turns them into
 * {@link LatencySeries} beside their baselines.
 */
public final class LatencyRecorder {

    /** One TPM2_Sign inside our stack. */
    public static final String TPM_SIGN = "tpm-sign";
    /** One ssh-agent sign-request round trip. */
    public static final String AGENT_SIGN = "agent-sign";
    /** One full login, {@code ssh … true} wall time. */
    public static final String LOGIN = "login";
    /** Baseline of {@link #TPM_SIGN} and {@link #AGENT_SIGN}: a raw TPM2_Sign over the same transport. */
    public static final String RAW_TPM_SIGN = "raw-tpm-sign";
    /** Baseline of {@link #LOGIN}: the same login with a plain file key. */
    public static final String FILE_KEY_LOGIN = "file-key-login";

    private static final Map<String, String> BASELINES =
            Map.of(TPM_SIGN, RAW_TPM_SIGN, AGENT_SIGN, RAW_TPM_SIGN, LOGIN, FILE_KEY_LOGIN);

    // Enough points for a smooth CDF, denser in the tail where TPM latencies differ.
    private static final double[] PERCENTILES = {
        0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97.5, 99, 99.9, 100
    };

    private static final LatencyRecorder GLOBAL = new LatencyRecorder();

    private record Key(String combination, String operation) {}

    private final Map<Key, ConcurrentHistogram> histograms = new ConcurrentHashMap<>();

    /** The recorder shared by the harness hooks and the conformance command within one JVM. */
    public static LatencyRecorder global() {
        return GLOBAL;
    }

    /** Records one sample; negative durations (a clock that stepped back) are dropped rather than clamped. */
    public void record(String combination, String operation, long nanos) {
        Objects.requireNonNull(combination, "combination");
        Objects.requireNonNull(operation, "operation");
        if (nanos < 0) {
            return;
        }
        histograms.computeIfAbsent(new Key(combination, operation), k -> new ConcurrentHistogram(3)).recordValue(nanos);
    }

    /** Starts a timer that records its elapsed time when closed: {@code try (var t = rec.time(c, op)) {…}}. */
    public Timer time(String combination, String operation) {
        return new Timer(this, combination, operation, System.nanoTime());
    }

    /** Drops every sample, so that one JVM can hold several runs one after another. */
    public void reset() {
        histograms.clear();
    }

    /**
     * Every series recorded so far, with baselines resolved, sorted so that one combination on different backends
     * sits together: by the combination without its backend, then operation, then backend (a sign through
     * tpm2-abrmd, swtpm-abrmd, next to the same sign straight on swtpm, swtpm-tcp).
     */
    public List<LatencySeries> snapshot() {
        Map<Key, Histogram> copies = new java.util.HashMap<>();
        histograms.forEach((k, h) -> copies.put(k, h.copy()));
        List<LatencySeries> series = new ArrayList<>();
        copies.forEach((key, h) -> series.add(series(key, h, copies)));
        series.sort(Comparator.comparing((LatencySeries s) -> withoutBackend(s.combination()))
                .thenComparing(LatencySeries::operation).thenComparing(s -> backend(s.combination())));
        return series;
    }

    private static LatencySeries series(Key key, Histogram h, Map<Key, Histogram> all) {
        String baseline = BASELINES.get(key.operation());
        Long baselineP50 = baseline == null ? null : baselineHistogram(key.combination(), baseline, all)
                .map(b -> b.getValueAtPercentile(50))
                .orElse(null);
        long p50 = h.getValueAtPercentile(50);
        Double ratio = baselineP50 == null || baselineP50 == 0 ? null : (double) p50 / baselineP50;
        List<LatencySeries.Point> points = new ArrayList<>();
        for (double p : PERCENTILES) {
            points.add(new LatencySeries.Point(p, p == 0 ? h.getMinValue() : h.getValueAtPercentile(p)));
        }
        return new LatencySeries(
                key.combination(), key.operation(), h.getTotalCount(), p50, h.getValueAtPercentile(95),
                h.getValueAtPercentile(99), h.getMaxValue(), baseline, baselineP50, ratio, points);
    }

    private static Optional<Histogram> baselineHistogram(String combination, String baseline, Map<Key, Histogram> all) {
        Histogram exact = all.get(new Key(combination, baseline));
        if (exact != null) {
            return Optional.of(exact);
        }
        String backend = backend(combination);
        Optional<Histogram> sameBackend = merged(all, k -> k.operation().equals(baseline) && backend(k.combination()).equals(backend));
        return sameBackend.isPresent() ? sameBackend : merged(all, k -> k.operation().equals(baseline));
    }

    private static Optional<Histogram> merged(Map<Key, Histogram> all, java.util.function.Predicate<Key> which) {
        Histogram sum = null;
        for (Map.Entry<Key, Histogram> e : all.entrySet()) {
            if (which.test(e.getKey())) {
                if (sum == null) {
                    sum = new Histogram(3);
                }
                sum.add(e.getValue());
            }
        }
        return Optional.ofNullable(sum);
    }

    private static String withoutBackend(String combination) {
        int bar = combination.indexOf('|');
        return bar < 0 ? "" : combination.substring(bar + 1);
    }

    private static String backend(String combination) {
        int bar = combination.indexOf('|');
        return bar < 0 ? combination : combination.substring(0, bar);
    }

    /** Records the time from its creation to {@link #close()}, once. */
    public static final class Timer implements AutoCloseable {
        private final LatencyRecorder recorder;
        private final String combination;
        private final String operation;
        private final long start;
        private boolean closed;

        private Timer(LatencyRecorder recorder, String combination, String operation, long start) {
            this.recorder = recorder;
            this.combination = combination;
            this.operation = operation;
            this.start = start;
        }

        /** Records the elapsed time; later calls do nothing, so a timer closed twice counts once. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                recorder.record(combination, operation, System.nanoTime() - start);
            }
        }
    }
}
