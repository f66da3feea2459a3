package org.tpmssh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.reports.format.ReportJson;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;
import picocli.CommandLine;

/** {@code tpmssh report diff} on runs that {@code tpmssh conformance} wrote from the fixture suites. */
class ReportCommandTest {

    @TempDir Path dir;

    private record Run(int exitCode, String out, String err) {}

    private static Run tpmssh(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine("org.tpmssh.cli.fixture");
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    private Path conformanceRun(String name) {
        Path run = dir.resolve(name);
        tpmssh("conformance", "--reports-dir", run.toString(), "--scenarios", "MixedOutcomes");
        return run;
    }

    @Test
    void twoRunsOfTheSameSuitesShowNoStatusChange() {
        Path a = conformanceRun("a");
        Path b = conformanceRun("b");

        Run diff = tpmssh("report", "diff", a.toString(), b.resolve("report.json").toString());

        assertThat(diff.out()).contains("A: a\nB: b").contains("Status changes (0 of 3 scenarios):\n  none");
        assertThat(diff.exitCode()).isZero();
    }

    @Test
    void aChangedStatusIsShownWithItsReasonAndExits1() throws Exception {
        Path a = conformanceRun("a");
        RunReport before = ReportJson.read(a);
        List<Result> results = new ArrayList<>(before.results());
        Result pass = results.stream().filter(r -> r.status() == Status.PASS).findFirst().orElseThrow();
        results.set(results.indexOf(pass), new Result(pass.combination(), pass.axes(), pass.className(),
                pass.scenario(), pass.name(), Status.FAIL, "lockout is reported as a wrong PIN", null, null, 1,
                pass.attachments()));
        Path b = Files.createDirectories(dir.resolve("b"));
        ReportJson.write(new RunReport(before.schemaVersion(), "b", before.startedAt(), 1, before.environment(),
                results, before.latency()), b.resolve("report.json"));

        Run diff = tpmssh("report", "diff", a.toString(), b.toString());

        assertThat(diff.out()).contains("PASS -> FAIL  Login succeeds\n")
                .contains("lockout is reported as a wrong PIN");
        assertThat(diff.exitCode()).isEqualTo(1);
    }

    @Test
    void aMissingRunIsOneMessageAndExits2() {
        Run diff = tpmssh("report", "diff", dir.resolve("nope").toString(), dir.toString());

        assertThat(diff.exitCode()).isEqualTo(2);
        assertThat(diff.err()).startsWith("tpmssh: no report at").doesNotContain("\tat ");
    }
}
