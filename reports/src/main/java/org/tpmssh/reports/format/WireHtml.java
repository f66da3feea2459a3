package org.tpmssh.reports.format;

import static org.tpmssh.reports.format.HtmlReport.esc;
import static org.tpmssh.reports.format.HtmlReport.ms;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.tpmssh.reports.model.WireReport;
import org.tpmssh.reports.model.WireReport.OperationCount;

/**
 * The wire sections of report.html: TPM commands per operation with the stacks side by side, the latency each
 * operation took under a chip profile, and the scans for secrets in clear. Escaped by {@link HtmlReport#esc}.
 */
final class WireHtml {
    private WireHtml() {}

    static void render(StringBuilder h, WireReport wire) {
        h.append("<h2>TPM commands per operation</h2>\n");
        if (wire == null) {
            h.append("<p>No wire figures in this run: no backend with a wire proxy ran.</p>\n");
            return;
        }
        proxying(h, wire);
        counts(h, wire.operations());
        if (wire.latencyProfile() != null) {
            projected(h, wire);
        }
        scans(h, wire.scans());
    }

    private static void proxying(StringBuilder h, WireReport wire) {
        h.append("<p id=\"wire-backends\">Counted on the wire by a proxy between the stacks and the TPM, never by a"
                + " stack's own counters.");
        for (WireReport.Proxying p : wire.backends()) {
            h.append(" <b>").append(esc(p.backend())).append("</b>: ").append(p.proxied() ? "proxied"
                    : "not proxied, " + esc(p.note() == null ? "no reason given" : p.note())).append('.');
        }
        h.append(" tpm2-pkcs11 keeps its store on a companion swtpm, behind its own proxy and a private"
                + " tpm2-abrmd.</p>\n");
    }

    /** Operation and key down, stacks across; each cell the typical sample's total and its breakdown. */
    private static void counts(StringBuilder h, List<OperationCount> operations) {
        if (operations.isEmpty()) {
            h.append("<p>No operation was counted.</p>\n");
            return;
        }
        Set<String> stacks = operations.stream().map(OperationCount::stack)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        Map<String, Map<String, OperationCount>> rows = new LinkedHashMap<>();
        for (OperationCount o : operations) {
            rows.computeIfAbsent(o.operation() + "\u0000" + o.key(), k -> new LinkedHashMap<>()).put(o.stack(), o);
        }
        h.append("<table id=\"wire-counts\"><tr><th>Operation</th><th>Key</th>");
        stacks.forEach(s -> h.append("<th>").append(esc(s)).append("</th>"));
        h.append("</tr>\n");
        rows.forEach((row, byStack) -> {
            String[] opKey = row.split("\u0000", 2);
            h.append("<tr><td>").append(esc(opKey[0])).append("</td><td>").append(esc(opKey[1])).append("</td>");
            for (String s : stacks) {
                OperationCount o = byStack.get(s);
                if (o == null) {
                    h.append("<td class=\"none\">–</td>");
                    continue;
                }
                h.append("<td><b>").append(o.commands()).append("</b> ").append(esc(breakdown(o.byCommand())));
                if (o.minCommands() != o.maxCommands()) {
                    h.append(" <span class=\"none\">(").append(o.minCommands()).append("–").append(o.maxCommands())
                            .append(" over ").append(o.samples()).append(" samples)</span>");
                }
                h.append("</td>");
            }
            h.append("</tr>\n");
        });
        h.append("</table>\n<p>A cell is the most frequent sample: its number of TPM commands and which. For"
                + " tpm2-pkcs11, agent start is <code>ssh-agent</code> plus <code>ssh-add -s</code>, and key create"
                + " and import include the harness's <code>ssh-keygen -D</code> read-back and"
                + " <code>tpm2_ptool addcert</code>.</p>\n");
    }

    static String breakdown(Map<String, Integer> byCommand) {
        return byCommand.isEmpty() ? "" : "(" + byCommand.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", ")) + ")";
    }

    private static void projected(StringBuilder h, WireReport wire) {
        WireReport.ChipProfile chip = wire.latencyProfile();
        h.append("<h2>Projected latency on ").append(esc(chip.name())).append("</h2>\n<p id=\"wire-profile\">")
                .append("Latency profile <code>").append(esc(chip.id())).append("</code>: every TPM response was held"
                        + " back as this chip takes for it, and the times below were measured by running so. Figures: ")
                .append(esc(chip.source())).append(". Each command's delay is <b>measured</b> where the source"
                        + " publishes that very operation, else <b>estimated</b> (docs/tpm-wire.md).</p>\n");
        h.append("<table id=\"wire-latency\"><tr><th>Stack</th><th>Operation</th><th>Key</th><th>Samples</th>")
                .append("<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>Measured delays</th>")
                .append("<th>Estimated delays</th></tr>\n");
        List<OperationCount> byStack = new ArrayList<>(wire.operations());
        byStack.sort(java.util.Comparator.comparing(OperationCount::stack));
        for (OperationCount o : byStack) {
            h.append("<tr><td>").append(esc(o.stack())).append("</td><td>").append(esc(o.operation()))
                    .append("</td><td>").append(esc(o.key())).append("</td><td class=\"num\">").append(o.samples())
                    .append("</td><td class=\"num\">").append(ms(o.p50Nanos())).append("</td><td class=\"num\">")
                    .append(ms(o.p95Nanos())).append("</td><td class=\"num\">").append(ms(o.p99Nanos()))
                    .append("</td><td>").append(esc(commandsWith(o, WireReport.MEASURED)))
                    .append("</td><td>").append(esc(commandsWith(o, WireReport.ESTIMATED))).append("</td></tr>\n");
        }
        h.append("</table>\n");
    }

    private static String commandsWith(OperationCount o, String basis) {
        return o.delayBasis().entrySet().stream().filter(e -> e.getValue().equals(basis)).map(Map.Entry::getKey)
                .collect(Collectors.joining(", "));
    }

    private static void scans(StringBuilder h, List<WireReport.SecretScan> scans) {
        h.append("<h2>Secrets on the wire</h2>\n");
        if (scans.isEmpty()) {
            h.append("<p>No scan ran.</p>\n");
            return;
        }
        h.append("<table id=\"wire-scans\"><tr><th>Stack</th><th>Backend</th><th>Exchanges</th><th>Bytes</th>")
                .append("<th>Looked for (raw, hex, base64)</th><th>Found in clear</th><th>Control</th></tr>\n");
        for (WireReport.SecretScan s : scans) {
            String cls = s.findings().isEmpty() ? "PASS" : s.failing() ? "FAIL" : "SKIP";
            h.append("<tr><td>").append(esc(s.stack())).append("</td><td>").append(esc(s.backend()))
                    .append("</td><td class=\"num\">").append(s.exchanges()).append("</td><td class=\"num\">")
                    .append(s.bytes()).append("</td><td>").append(esc(String.join(", ", s.secrets())))
                    .append("</td><td class=\"").append(cls).append("\">");
            if (s.findings().isEmpty()) {
                h.append("nothing");
            } else {
                h.append(s.failing() ? "" : "finding, not a failure: ");
                h.append(esc(s.findings().stream().map(f -> f.secret() + " as " + f.encoding() + " in the "
                        + f.direction() + " of " + f.command() + " #" + f.exchange())
                        .collect(Collectors.joining("; "))));
            }
            h.append("</td><td>").append(s.controlCaught() == null ? "none" : s.controlCaught()
                    ? "planted secret found" : "<b>planted secret missed</b>").append("</td></tr>\n");
        }
        h.append("</table>\n");
    }
}
