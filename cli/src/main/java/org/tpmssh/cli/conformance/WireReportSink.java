package org.tpmssh.cli.conformance;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.tpmssh.harness.wire.ChipProfile;
import org.tpmssh.harness.wire.ChipProfiles;
import org.tpmssh.harness.wire.CommandDelay;
import org.tpmssh.harness.wire.WireSink;
import org.tpmssh.reports.model.WireReport;
import org.tpmssh.reports.wire.WireRecorder;

/**
 * Feeds what the harness's wire proxies saw into the run's {@link WireRecorder} for the duration of a conformance
 * run, and prints the commands-per-operation table at its end.
 */
final class WireReportSink implements WireSink {
    private final WireRecorder recorder;

    WireReportSink(WireRecorder recorder) {
        this.recorder = recorder;
    }

    @Override
    public void span(Span span) {
        Map<String, String> basis = new LinkedHashMap<>();
        span.delays().forEach((command, b) -> basis.put(command, b == CommandDelay.Basis.MEASURED
                ? WireReport.MEASURED : WireReport.ESTIMATED));
        recorder.record(new WireRecorder.Sample(span.stack(), span.operation(), span.order(), span.key(),
                span.counts().byCommand(), span.counts().total(), span.elapsedNanos(), basis));
    }

    @Override
    public void scan(Scan scan) {
        recorder.scan(new WireReport.SecretScan(scan.backend(), scan.stack(), scan.exchanges(), scan.bytes(),
                scan.secrets(), scan.findings().stream().map(f -> new WireReport.Finding(f.secret(),
                        f.encoding().name().toLowerCase(Locale.ROOT), f.command(),
                        f.direction().name().toLowerCase(Locale.ROOT), f.exchange())).toList(),
                scan.findingsFail(), scan.controlCaught()));
    }

    @Override
    public void proxying(Proxying proxying) {
        recorder.proxying(new WireReport.Proxying(proxying.backend(), proxying.proxied(), proxying.note()));
    }

    /** The report's form of a chip profile, with the source its file cites. */
    static WireReport.ChipProfile describe(ChipProfile chip) {
        return new WireReport.ChipProfile(chip.id(), chip.name(), ChipProfiles.source());
    }

    /** The commands per operation, one line per stack, operation and key; with a profile, the times too. */
    static void print(PrintWriter out, WireReport wire) {
        if (wire == null || wire.operations().isEmpty()) {
            return;
        }
        boolean timed = wire.latencyProfile() != null;
        out.println();
        out.println("TPM commands per operation, from the wire" + (timed ? ", and the time each took as "
                + wire.latencyProfile().name() + " would (measured with its delays)" : "") + ":");
        for (WireReport.OperationCount o : wire.operations()) {
            String range = o.minCommands() == o.maxCommands() ? "" : " [" + o.minCommands() + "-" + o.maxCommands()
                    + "]";
            String times = timed ? String.format(Locale.ROOT, "  p50 %.1f ms, p95 %.1f ms, p99 %.1f ms (n=%d)",
                    o.p50Nanos() / 1e6, o.p95Nanos() / 1e6, o.p99Nanos() / 1e6, o.samples()) : "";
            out.println(String.format(Locale.ROOT, "  %-12s %-20s %-9s %3d%s %s%s", o.stack(), o.operation(), o.key(),
                    o.commands(), range, breakdown(o.byCommand()), times));
        }
        for (WireReport.SecretScan s : wire.scans()) {
            out.println(String.format(Locale.ROOT, "Secrets on the wire, %s on %s: %s in %d exchanges; control %s",
                    s.stack(), s.backend(), s.findings().isEmpty() ? "none in clear"
                            : s.findings().size() + (s.failing() ? " found (a failure)" : " found (a finding)"),
                    s.exchanges(), s.controlCaught() == null ? "not run" : s.controlCaught() ? "caught" : "MISSED"));
        }
        out.flush();
    }

    private static String breakdown(Map<String, Integer> byCommand) {
        StringBuilder b = new StringBuilder("(");
        byCommand.forEach((name, n) -> b.append(b.length() > 1 ? ", " : "").append(n).append(' ').append(name));
        return b.append(')').toString();
    }
}
