package org.tpmssh.reports.diff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.tpmssh.reports.model.LatencySeries;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

/**
 * What changed between two runs: scenarios whose status changed, and latency medians that moved beyond their noise
 * (the rule is in the README, "Reports").
 */
public record ReportDiff(
        String runA,
        String runB,
        List<StatusChange> statusChanges,
        List<LatencyChange> latencyChanges,
        List<String> tooFewSamples,
        List<String> seriesInOneRunOnly,
        int comparedResults,
        int comparedSeries) {

    public static final int MIN_COUNT = 3;
    public static final double RELATIVE_FLOOR = 0.10;

    /**
     * A scenario whose status differs; a null status means the scenario is absent from that run.
     *
     * @param key what matches results across runs (class and display name)
     * @param name the display name, which for a matrix invocation includes its combination
     */
    public record StatusChange(String key, String name, String combination, Status before, Status after,
            String reason) {}

    /** A latency series whose median moved by more than {@code noiseNanos}. */
    public record LatencyChange(
            String combination, String operation, long p50BeforeNanos, long p50AfterNanos, long noiseNanos) {
        public double relativeChange() {
            return p50BeforeNanos == 0 ? Double.NaN : (double) (p50AfterNanos - p50BeforeNanos) / p50BeforeNanos;
        }
    }

    public static ReportDiff compare(RunReport a, RunReport b) {
        Map<String, Result> ra = byKey(a.results());
        Map<String, Result> rb = byKey(b.results());
        List<StatusChange> changes = new ArrayList<>();
        for (String key : new TreeSet<>(union(ra.keySet(), rb.keySet()))) {
            Result x = ra.get(key);
            Result y = rb.get(key);
            Status before = x == null ? null : x.status();
            Status after = y == null ? null : y.status();
            if (before != after) {
                Result any = y != null ? y : x;
                changes.add(new StatusChange(key, any.name(), any.combination(), before, after,
                        y != null ? y.reason() : "absent from the second run"));
            }
        }
        Map<String, LatencySeries> la = seriesByKey(a.latency());
        Map<String, LatencySeries> lb = seriesByKey(b.latency());
        List<LatencyChange> moved = new ArrayList<>();
        List<String> tooFew = new ArrayList<>();
        List<String> oneRunOnly = new ArrayList<>();
        int compared = 0;
        for (String key : new TreeSet<>(union(la.keySet(), lb.keySet()))) {
            LatencySeries x = la.get(key);
            LatencySeries y = lb.get(key);
            if (x == null || y == null) {
                oneRunOnly.add(key + (x == null ? " (B only)" : " (A only)"));
                continue;
            }
            if (x.count() < MIN_COUNT || y.count() < MIN_COUNT) {
                tooFew.add(key + " (" + x.count() + " and " + y.count() + " samples)");
                continue;
            }
            compared++;
            long noise = noise(x, y);
            if (Math.abs(y.p50Nanos() - x.p50Nanos()) > noise) {
                moved.add(new LatencyChange(x.combination(), x.operation(), x.p50Nanos(), y.p50Nanos(), noise));
            }
        }
        return new ReportDiff(a.runId(), b.runId(), changes, moved, tooFew, oneRunOnly,
                union(ra.keySet(), rb.keySet()).size(), compared);
    }

    /** The largest p50 change that still counts as noise between two runs of one series. */
    public static long noise(LatencySeries a, LatencySeries b) {
        long floor = Math.round(a.p50Nanos() * RELATIVE_FLOOR);
        return Math.max(floor, Math.max(a.p95Nanos() - a.p50Nanos(), b.p95Nanos() - b.p50Nanos()));
    }

    /** True when nothing changed status and no latency moved beyond its noise. */
    public boolean isEmpty() {
        return statusChanges.isEmpty() && latencyChanges.isEmpty();
    }

    /** The diff as the terminal shows it. */
    public String toText() {
        StringBuilder t = new StringBuilder();
        t.append("A: ").append(runA).append("\nB: ").append(runB).append("\n\n");
        t.append("Status changes (").append(statusChanges.size()).append(" of ").append(comparedResults)
                .append(" scenarios):\n");
        if (statusChanges.isEmpty()) {
            t.append("  none\n");
        }
        for (StatusChange c : statusChanges) {
            t.append(String.format(Locale.ROOT, "  %-4s -> %-4s  %s%n", label(c.before()), label(c.after()), c.name()));
            if (c.reason() != null && c.after() != Status.PASS) {
                t.append("               ").append(c.reason()).append('\n');
            }
        }
        t.append("\nLatency beyond noise (").append(latencyChanges.size()).append(" of ").append(comparedSeries)
                .append(" series; noise = max(10 % of p50 A, p95-p50 of A, p95-p50 of B)):\n");
        if (latencyChanges.isEmpty()) {
            t.append("  none\n");
        }
        for (LatencyChange c : latencyChanges) {
            t.append(String.format(Locale.ROOT, "  %-14s %-40s p50 %8.2f ms -> %8.2f ms  (%+.0f %%, noise %.2f ms)%n",
                    c.operation(), c.combination(), c.p50BeforeNanos() / 1e6, c.p50AfterNanos() / 1e6,
                    100 * c.relativeChange(), c.noiseNanos() / 1e6));
        }
        if (!seriesInOneRunOnly.isEmpty()) {
            t.append("\nLatency series in one run only:\n");
            seriesInOneRunOnly.forEach(s -> t.append("  ").append(s).append('\n'));
        }
        if (!tooFewSamples.isEmpty()) {
            t.append("\nToo few samples to compare (< ").append(MIN_COUNT).append("):\n");
            tooFewSamples.forEach(s -> t.append("  ").append(s).append('\n'));
        }
        return t.toString();
    }

    private static String label(Status s) {
        return s == null ? "—" : s.name();
    }

    private static Map<String, Result> byKey(List<Result> results) {
        Map<String, Result> m = new LinkedHashMap<>();
        results.forEach(r -> m.put(r.key(), r));
        return m;
    }

    private static Map<String, LatencySeries> seriesByKey(List<LatencySeries> series) {
        Map<String, LatencySeries> m = new LinkedHashMap<>();
        series.forEach(s -> m.put(s.operation() + " @ " + s.combination(), s));
        return m;
    }

    private static java.util.Set<String> union(java.util.Set<String> a, java.util.Set<String> b) {
        java.util.Set<String> u = new java.util.LinkedHashSet<>(a);
        u.addAll(b);
        return u;
    }
}
