package org.tpmssh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Runs {@code tpmssh conformance} against the fixture suites in {@code org.tpmssh.cli.fixture}, whose
 * outcomes are known, and checks the console lines, the summary file and the exit code.
 */
class ConformanceCommandTest {

    private static final String FIXTURE = "org.tpmssh.cli.fixture";

    @TempDir Path reports;

    private record Run(int exitCode, List<String> out, String err) {}

    private Run tpmssh(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(FIXTURE);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString().lines().toList(), err.toString());
    }

    private Run conformance(String... args) {
        List<String> all = new ArrayList<>(List.of("conformance", "--reports-dir", reports.toString()));
        all.addAll(List.of(args));
        return tpmssh(all.toArray(String[]::new));
    }

    @Test
    void printsOneLinePerScenarioAndFailsWhenOneFails() throws IOException {
        Run run = conformance("--scenarios", "MixedOutcomes");

        assertThat(run.out()).hasSize(4).last().isEqualTo("1 passed, 1 failed, 1 skipped");
        assertThat(run.out())
                .anySatisfy(l -> assertThat(l).matches("PASS  Login succeeds  \\(\\d+\\.\\d s\\)"))
                .anySatisfy(
                        l ->
                                assertThat(l)
                                        .matches("FAIL  Signature is rejected  \\(\\d+\\.\\d s\\) — signature did not verify"))
                .anySatisfy(l -> assertThat(l).isEqualTo("SKIP  Needs a hardware TPM — fixture: a deliberate skip, so that the conformance command's SKIP line is tested"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).doesNotContain("\tat ");
        assertThat(Files.readAllLines(reports.resolve("summary.txt"))).isEqualTo(run.out());
    }

    @Test
    void passesWhenEverySelectedScenarioPasses() {
        Run run = conformance("--scenarios", "login SUCCEEDS");

        assertThat(run.out()).hasSize(2).last().isEqualTo("1 passed, 0 failed, 0 skipped");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void acceptsRegularExpressionsAndGlobs() {
        assertThat(conformance("--scenarios", "^Login.*").out())
                .last()
                .isEqualTo("1 passed, 0 failed, 0 skipped");
        assertThat(conformance("--scenarios", "*Mixed?utcomes*").out())
                .last()
                .isEqualTo("1 passed, 1 failed, 1 skipped");
    }

    @Test
    void aSuiteWhoseSetupFailsCountsAsAFailure() {
        Run run = conformance("--scenarios", "BrokenSetup");

        assertThat(run.out())
                .containsExactly(
                        "FAIL  BrokenSetupTest  " + duration(run.out().get(0)) + " — swtpm did not start",
                        "0 passed, 1 failed, 0 skipped");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void failsWhenNoScenarioMatches() {
        Run run = conformance("--scenarios", "no-such-scenario");

        assertThat(run.out()).containsExactly("0 passed, 0 failed, 0 skipped");
        assertThat(run.err()).contains("no tests ran");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void failsWhenEveryScenarioIsSkipped() {
        Run run = conformance("--scenarios", "hardware TPM");

        assertThat(run.out()).last().isEqualTo("0 passed, 0 failed, 1 skipped");
        assertThat(run.err()).contains("no tests ran");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void passesTheTctiToScenariosAndOnlyForTheRun() {
        Run run = conformance("--scenarios", "TctiTest", "--tcti", "swtpm:host=127.0.0.1,port=2321");

        assertThat(run.out()).last().isEqualTo("1 passed, 0 failed, 0 skipped");
        assertThat(System.getProperty("tpmssh.tcti")).isNull();
    }

    @Test
    void verboseShowsTheStackTraceOfAFailure() {
        Run run = conformance("--verbose", "--scenarios", "Signature is rejected");

        assertThat(run.err()).contains("AssertionFailedError").contains("\tat ");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void verboseMayComeBeforeTheSubcommand() {
        Run run =
                tpmssh("--verbose", "conformance", "--reports-dir", reports.toString(), "--scenarios", "rejected");

        assertThat(run.err()).contains("\tat ");
    }

    @Test
    void usageErrorsAreOneMessageAndExitCode2() {
        Run unknown = tpmssh("conformance", "--bogus");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("tpmssh: Unknown option: '--bogus'").doesNotContain("\tat ");

        Run badPattern = tpmssh("conformance", "--scenarios", "(");
        assertThat(badPattern.exitCode()).isEqualTo(2);
        assertThat(badPattern.err()).contains("is not a valid pattern").doesNotContain("\tat ");
    }

    @Test
    void anUnwritableReportsDirIsOneMessageAndExitCode1() throws IOException {
        Path file = Files.createFile(reports.resolve("a-file"));
        Run run = tpmssh("conformance", "--reports-dir", file.resolve("sub").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .startsWith("tpmssh: cannot create the reports directory")
                .doesNotContain("\tat ");
    }

    @Test
    void withoutArgumentsPrintsHelp() {
        Run run = tpmssh();

        assertThat(run.exitCode()).isZero();
        assertThat(String.join("\n", run.out())).contains("Usage: tpmssh").contains("conformance");
    }

    private static String duration(String line) {
        return line.replaceAll(".*(\\(\\d+\\.\\d s\\)).*", "$1");
    }
}
