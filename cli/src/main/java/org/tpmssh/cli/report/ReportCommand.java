package org.tpmssh.cli.report;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tpmssh.reports.diff.ReportDiff;
import org.tpmssh.reports.format.ReportFormatException;
import org.tpmssh.reports.format.ReportJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tpmssh report}: works on the reports that conformance runs wrote. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = "Work with the reports of conformance runs.",
        subcommands = {ReportCommand.Diff.class})
public final class ReportCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code tpmssh report diff A B}: what changed status and which latencies moved beyond their noise. */
    @Command(
            name = "diff",
            mixinStandardHelpOptions = true,
            description = {
                "Compare two conformance runs: scenarios that changed status, and latency medians that moved"
                        + " beyond their noise: |p50 B - p50 A| > max(10 % of p50 A, p95-p50 of A, p95-p50 of B).",
                "Exit code, as diff(1): 0 when nothing changed, 1 when something did, 2 when a report cannot"
                        + " be read."
            })
    public static final class Diff implements Callable<Integer> {

        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "A", description = "The earlier run: its directory or its report.json.")
        Path a;

        @Parameters(index = "1", paramLabel = "B", description = "The later run: its directory or its report.json.")
        Path b;

        @Override
        public Integer call() {
            ReportDiff diff;
            try {
                diff = ReportDiff.compare(ReportJson.read(a), ReportJson.read(b));
            } catch (ReportFormatException e) {
                spec.commandLine().getErr().println("tpmssh: " + e.getMessage());
                return 2;
            }
            spec.commandLine().getOut().print(diff.toText());
            spec.commandLine().getOut().flush();
            return diff.isEmpty() ? 0 : 1;
        }
    }
}
