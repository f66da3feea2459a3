package org.tpmssh.reports.format;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tpmssh.reports.model.Environment;
import org.tpmssh.reports.model.LatencySeries;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

/**
 * {@code report.html}: one self-contained page with the pass/fail/skip matrix, the reasons, and the latencies beside
 * their baselines; written by hand with one escaping function, {@link #esc}.
 */
public final class HtmlReport {

    private static final String CSS = String.join("\n",
            "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}",
            "h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}",
            "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}",
            "th{background:#f2f2f2}td.num{text-align:right;font-variant-numeric:tabular-nums}",
            ".PASS{background:#d4f4d4}.FAIL{background:#f8c8c8;font-weight:bold}.SKIP{background:#f4ecc4}",
            ".none{color:#aaa}.counts span{margin-right:16px}.plots{display:flex;flex-wrap:wrap;gap:12px}",
            "figure{margin:0;border:1px solid #ddd;padding:6px}figcaption{font-size:12px;color:#444}",
            "code{font-size:12px}th.combo{font-size:11px;font-weight:normal;white-space:nowrap}",
            "#latency{font-size:12px}#latency td,#latency th{white-space:nowrap}");
    private static final int W = 460;
    private static final int H = 240;
    private static final int ML = 52;
    private static final int MR = 22;
    private static final int MT = 12;
    private static final int MB = 36;

    private HtmlReport() {}

    public static String render(RunReport report) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>tpmssh conformance ").append(esc(report.runId())).append("</title>")
                .append("<style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>tpmssh conformance run ").append(esc(report.runId())).append("</h1>\n");
        h.append("<p class=\"counts\"><span class=\"PASS\">").append(report.count(Status.PASS)).append(" passed</span>")
                .append("<span class=\"FAIL\">").append(report.count(Status.FAIL)).append(" failed</span>")
                .append("<span class=\"SKIP\">").append(report.count(Status.SKIP)).append(" skipped</span>")
                .append("<span>started ").append(esc(report.startedAt())).append("</span>")
                .append("<span>").append(String.format(Locale.ROOT, "%.1f s", report.durationMillis() / 1000.0))
                .append("</span><span>schema v").append(report.schemaVersion()).append("</span></p>\n");
        environment(h, report.environment());
        matrix(h, report.results());
        failures(h, report.results());
        skips(h, report.results());
        WireHtml.render(h, report.wire());
        latencyTable(h, report.latency());
        plots(h, report.latency());
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void environment(StringBuilder h, Environment e) {
        h.append("<h2>Environment</h2>\n<table id=\"environment\">");
        row(h, "OS", e.os());
        row(h, "Kernel", e.kernel());
        row(h, "Java", e.java());
        row(h, "OpenSSH", e.openssh());
        row(h, "swtpm", e.swtpm());
        row(h, "tpm2-tss", e.tpm2Tss());
        if (e.tpms().isEmpty()) {
            row(h, "TPM", null);
        }
        for (Environment.TpmInfo t : e.tpms()) {
            row(h, "TPM (" + t.backend() + ")", "manufacturer " + orNone(t.manufacturer()) + ", firmware "
                    + orNone(t.firmware()) + ", spec " + orNone(t.spec()) + (t.image() == null ? ""
                    : "; swtpm " + orNone(t.image().swtpm()) + ", libtpms " + orNone(t.image().libtpms())
                    + " (Debian " + orNone(t.image().debianRelease()) + ", image " + t.image().name() + ")"));
        }
        e.packages().forEach((name, version) -> row(h, "package " + name, version));
        h.append("</table>\n");
    }

    private static void row(StringBuilder h, String name, String value) {
        h.append("<tr><th>").append(esc(name)).append("</th><td>")
                .append(value == null ? "<span class=\"none\">not found</span>" : esc(value)).append("</td></tr>");
    }

    private static String orNone(String s) {
        return s == null ? "unknown" : s;
    }

    private static void matrix(StringBuilder h, List<Result> results) {
        h.append("<h2>Matrix</h2>\n");
        Set<String> combos = new LinkedHashSet<>();
        Map<String, Map<String, Result>> rows = new LinkedHashMap<>();
        for (Result r : results) {
            String combo = r.combination() == null ? "" : r.combination();
            combos.add(combo);
            Map<String, Result> row = rows.computeIfAbsent(r.scenario(), k -> new LinkedHashMap<>());
            Result seen = row.get(combo);
            if (seen == null || rank(r.status()) > rank(seen.status())) {
                row.put(combo, r);
            }
        }
        List<String> columns = combos.stream().sorted().toList();
        h.append("<table id=\"matrix\"><thead><tr><th>Scenario</th>");
        for (String c : columns) {
            // One axis per line keeps a dozen combinations within a screen's width.
            h.append("<th class=\"combo\">").append(c.isEmpty() ? "(outside the matrix)" : esc(c).replace("|", "<br>"))
                    .append("</th>");
        }
        h.append("</tr></thead><tbody>\n");
        for (Map.Entry<String, Map<String, Result>> row : rows.entrySet()) {
            h.append("<tr><th>").append(esc(row.getKey())).append("</th>");
            for (String c : columns) {
                Result r = row.getValue().get(c);
                if (r == null) {
                    h.append("<td class=\"none\">–</td>");
                } else {
                    h.append("<td class=\"").append(r.status()).append("\"");
                    if (r.reason() != null) {
                        h.append(" title=\"").append(esc(r.reason())).append("\"");
                    }
                    h.append(">").append(r.status()).append("</td>");
                }
            }
            h.append("</tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    private static int rank(Status s) {
        return s == Status.FAIL ? 2 : s == Status.SKIP ? 1 : 0;
    }

    private static void failures(StringBuilder h, List<Result> results) {
        List<Result> failed = results.stream().filter(r -> r.status() == Status.FAIL).toList();
        h.append("<h2>Failures</h2>\n");
        if (failed.isEmpty()) {
            h.append("<p>None.</p>\n");
            return;
        }
        h.append("<table id=\"failures\"><tr><th>Scenario</th><th>Combination</th><th>Reason</th>")
                .append("<th>Attachments</th></tr>\n");
        for (Result r : failed) {
            h.append("<tr><td>").append(esc(r.name())).append("</td><td>").append(esc(orEmpty(r.combination())))
                    .append("</td><td class=\"FAIL\">").append(esc(orEmpty(r.reason()))).append("</td><td>");
            r.attachments().forEach((name, path) -> h.append(esc(name)).append(": <code>").append(esc(path))
                    .append("</code><br>"));
            h.append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    /** Skips grouped by reason: a matrix skips many combinations for one cause, and the cause is the news. */
    private static void skips(StringBuilder h, List<Result> results) {
        Map<String, List<Result>> byReason = new LinkedHashMap<>();
        results.stream().filter(r -> r.status() == Status.SKIP)
                .forEach(r -> byReason.computeIfAbsent(orEmpty(r.reason()), k -> new ArrayList<>()).add(r));
        h.append("<h2>Skip reasons</h2>\n");
        if (byReason.isEmpty()) {
            h.append("<p>None.</p>\n");
            return;
        }
        h.append("<table id=\"skips\"><tr><th>Reason</th><th>Count</th><th>Scenarios</th></tr>\n");
        byReason.forEach((reason, skipped) -> {
            h.append("<tr><td class=\"SKIP\">").append(reason.isEmpty() ? "(no reason given)" : esc(reason))
                    .append("</td><td class=\"num\">").append(skipped.size()).append("</td><td><details><summary>")
                    .append(skipped.size() == 1 ? "1 scenario" : skipped.size() + " scenarios").append("</summary>");
            skipped.forEach(r -> h.append(esc(r.name())).append("<br>"));
            h.append("</details></td></tr>\n");
        });
        h.append("</table>\n");
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static void latencyTable(StringBuilder h, List<LatencySeries> latency) {
        h.append("<h2>Latency</h2>\n");
        if (latency.isEmpty()) {
            h.append("<p>No latencies were recorded in this run.</p>\n");
            return;
        }
        h.append("<table id=\"latency\"><tr><th>Combination</th><th>Operation</th><th>Count</th><th>p50 ms</th>")
                .append("<th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>Baseline</th><th>Baseline p50 ms</th>")
                .append("<th>p50 / baseline</th></tr>\n");
        for (LatencySeries s : latency) {
            h.append("<tr><td>").append(esc(s.combination())).append("</td><td>").append(esc(s.operation()))
                    .append("</td><td class=\"num\">").append(s.count()).append("</td>");
            num(h, ms(s.p50Nanos()));
            num(h, ms(s.p95Nanos()));
            num(h, ms(s.p99Nanos()));
            num(h, ms(s.maxNanos()));
            h.append("<td>").append(esc(orEmpty(s.baseline()))).append("</td>");
            if (s.baseline() != null && s.baselineP50Nanos() == null) {
                h.append("<td class=\"none\" colspan=\"2\">baseline not recorded</td>");
                h.append("</tr>\n");
                continue;
            }
            num(h, s.baselineP50Nanos() == null ? "" : ms(s.baselineP50Nanos()));
            num(h, s.ratioToBaseline() == null ? "" : String.format(Locale.ROOT, "%.2f×", s.ratioToBaseline()));
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void num(StringBuilder h, String v) {
        h.append("<td class=\"num\">").append(esc(v)).append("</td>");
    }

    static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    private static void plots(StringBuilder h, List<LatencySeries> latency) {
        List<LatencySeries> measured = latency.stream().filter(s -> s.baseline() != null).toList();
        if (measured.isEmpty()) {
            // Only baselines (or operations without one) were recorded: still draw them.
            measured = latency;
        }
        if (measured.isEmpty()) {
            return;
        }
        h.append("<h2>Latency distributions</h2>\n<p>Cumulative distribution of each operation (solid) beside ")
                .append("its baseline (dashed), same run, same combination where recorded.</p>\n<div class=\"plots\">\n");
        for (LatencySeries s : measured) {
            Optional<LatencySeries> base = baselineSeries(s, latency);
            h.append("<figure>");
            cdf(h, s, base.orElse(null));
            h.append("<figcaption>").append(esc(s.operation())).append(" — ").append(esc(s.combination()))
                    .append(base.map(b -> " vs " + esc(b.operation())).orElse(""))
                    .append("</figcaption></figure>\n");
        }
        h.append("</div>\n");
    }

    private static Optional<LatencySeries> baselineSeries(LatencySeries s, List<LatencySeries> all) {
        if (s.baseline() == null) {
            return Optional.empty();
        }
        String backend = s.combination().split("\\|", 2)[0];
        Optional<LatencySeries> same = all.stream()
                .filter(b -> b.operation().equals(s.baseline()) && b.combination().equals(s.combination())).findFirst();
        if (same.isPresent()) {
            return same;
        }
        Optional<LatencySeries> sameBackend = all.stream().filter(b -> b.operation().equals(s.baseline())
                && b.combination().split("\\|", 2)[0].equals(backend)).findFirst();
        return sameBackend.isPresent() ? sameBackend
                : all.stream().filter(b -> b.operation().equals(s.baseline())).findFirst();
    }

    private static void cdf(StringBuilder h, LatencySeries s, LatencySeries base) {
        long maxNanos = Math.max(1, Math.max(s.maxNanos(), base == null ? 0 : base.maxNanos()));
        double maxMs = niceCeiling(maxNanos / 1e6);
        h.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H)
                .append("\" viewBox=\"0 0 ").append(W).append(' ').append(H).append("\" role=\"img\" aria-label=\"")
                .append(esc("CDF of " + s.operation())).append("\">");
        int pw = W - ML - MR;
        int ph = H - MT - MB;
        h.append("<rect x=\"").append(ML).append("\" y=\"").append(MT).append("\" width=\"").append(pw)
                .append("\" height=\"").append(ph).append("\" fill=\"#fafafa\" stroke=\"#999\"/>");
        for (int i = 0; i <= 4; i++) {
            double x = ML + pw * i / 4.0;
            h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>",
                    x, MT, x, MT + ph));
            h.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>", x, MT + ph + 14,
                    trim(maxMs * i / 4)));
        }
        for (int p = 0; p <= 100; p += 25) {
            double y = MT + ph * (1 - p / 100.0);
            h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>",
                    ML, y, ML + pw, y));
            h.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%d%%</text>", ML - 4, y + 4, p));
        }
        h.append(String.format(Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">latency (ms)</text>",
                ML + pw / 2, H - 4));
        if (base != null) {
            line(h, base, maxMs, pw, ph, "#888", "5,4");
        }
        line(h, s, maxMs, pw, ph, "#1f5fbf", null);
        int lx = ML + 8;
        legend(h, lx, MT + 14, "#1f5fbf", null, s.operation() + " (n=" + s.count() + ")");
        if (base != null) {
            legend(h, lx, MT + 30, "#888", "5,4", base.operation() + " (n=" + base.count() + ")");
        }
        h.append("</svg>");
    }

    private static void line(StringBuilder h, LatencySeries s, double maxMs, int pw, int ph, String color, String dash) {
        List<String> pts = new ArrayList<>();
        double prevY = MT + ph;
        for (LatencySeries.Point p : s.distribution()) {
            double x = ML + pw * Math.min(1, p.nanos() / 1e6 / maxMs);
            double y = MT + ph * (1 - p.percentile() / 100.0);
            // A step CDF: move right at the old height, then up.
            pts.add(String.format(Locale.ROOT, "%.1f,%.1f", x, prevY));
            pts.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
            prevY = y;
        }
        h.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"");
        if (dash != null) {
            h.append(" stroke-dasharray=\"").append(dash).append("\"");
        }
        h.append(" points=\"").append(String.join(" ", pts)).append("\"/>");
    }

    private static void legend(StringBuilder h, int x, int y, String color, String dash, String label) {
        h.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>",
                x, y - 4, x + 22, y - 4, color, dash == null ? "" : " stroke-dasharray=\"" + dash + "\""));
        h.append("<text x=\"").append(x + 28).append("\" y=\"").append(y).append("\" font-size=\"11\">")
                .append(esc(label)).append("</text>");
    }

    // 1, 2 or 5 times a power of ten, so that the axis ticks are round numbers.
    private static double niceCeiling(double v) {
        double pow = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * pow >= v) {
                return m * pow;
            }
        }
        return 10 * pow;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.3g", v);
    }

    /** Escapes text for HTML element content and quoted attribute values alike. */
    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
