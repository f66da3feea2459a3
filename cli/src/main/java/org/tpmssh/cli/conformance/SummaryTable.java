package org.tpmssh.cli.conformance;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.tpmssh.reports.model.LatencySeries;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

/**
 * The table that closes a conformance run in the terminal: results per combination, then the latency medians beside
 * their baselines.
 */
final class SummaryTable {

    static final String OUTSIDE = "(outside the matrix)";

    private SummaryTable() {}

    static void print(PrintWriter out, RunReport report) {
        Map<String, int[]> counts = new TreeMap<>();
        for (Result r : report.results()) {
            int[] c = counts.computeIfAbsent(r.combination() == null ? OUTSIDE : r.combination(), k -> new int[3]);
            c[r.status() == Status.PASS ? 0 : r.status() == Status.FAIL ? 1 : 2]++;
        }
        if (counts.isEmpty()) {
            return;
        }
        int width = Math.max("Combination".length(), counts.keySet().stream().mapToInt(String::length).max().orElse(0));
        out.println();
        out.println(String.format(Locale.ROOT, "%-" + width + "s  %4s  %4s  %4s", "Combination", "PASS", "FAIL", "SKIP"));
        counts.forEach((combo, c) -> out.println(
                String.format(Locale.ROOT, "%-" + width + "s  %4d  %4d  %4d", combo, c[0], c[1], c[2])));
        if (!report.latency().isEmpty()) {
            int lw = Math.max("Combination".length(),
                    report.latency().stream().mapToInt(s -> s.combination().length()).max().orElse(0));
            out.println();
            out.println(String.format(Locale.ROOT, "%-" + lw + "s  %-14s  %5s  %8s  %8s  %8s  %-14s  %8s  %6s",
                    "Combination", "Operation", "n", "p50 ms", "p95 ms", "p99 ms", "Baseline", "base p50", "ratio"));
            for (LatencySeries s : report.latency()) {
                out.println(String.format(Locale.ROOT, "%-" + lw + "s  %-14s  %5d  %8.2f  %8.2f  %8.2f  %-14s  %8s  %6s",
                        s.combination(), s.operation(), s.count(), s.p50Nanos() / 1e6, s.p95Nanos() / 1e6,
                        s.p99Nanos() / 1e6, s.baseline() == null ? "" : s.baseline(),
                        s.baselineP50Nanos() == null
                                ? (s.baseline() == null ? "" : "-")
                                : String.format(Locale.ROOT, "%.2f", s.baselineP50Nanos() / 1e6),
                        s.ratioToBaseline() == null ? "" : String.format(Locale.ROOT, "%.2fx", s.ratioToBaseline())));
            }
        }
        out.println();
        out.flush();
    }
}
