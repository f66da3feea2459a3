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
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.reports.format.ReportJson;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;
import picocli.CommandLine;

/**
 * Runs {@code tpmssh conformance} against the fixture suites in {@code org.tpmssh.cli.fixture}, whose
 * outcomes are known, and checks the console lines, the progress, the reports and the exit code.
 */
class ConformanceCommandTest {

    private static final String FIXTURE = "org.tpmssh.cli.fixture";

    @TempDir Path reports;

    private record Run(int exitCode, List<String> out, String err) {
        /** The one line per scenario, without the summary table. */
        List<String> verdicts() {
            return out.stream().filter(l -> l.matches("(PASS|FAIL|SKIP)  .*")).toList();
        }
    }

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
    void printsOneLinePerScenarioAndFailsWhenOneFails() throws Exception {
        Run run = conformance("--scenarios", "MixedOutcomes");

        assertThat(run.verdicts()).hasSize(3);
        assertThat(run.out()).last().isEqualTo("1 passed, 1 failed, 1 skipped");
        assertThat(run.out())
                .anySatisfy(l -> assertThat(l).matches("PASS  Login succeeds  \\(\\d+\\.\\d s\\)"))
                .anySatisfy(
                        l ->
                                assertThat(l)
                                        .matches("FAIL  Signature is rejected  \\(\\d+\\.\\d s\\) — signature did not verify"))
                .anySatisfy(l -> assertThat(l).isEqualTo("SKIP  Needs a hardware TPM — fixture: a deliberate skip, so that the conformance command's SKIP line is tested"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).doesNotContain("\tat ");
        RunReport report = ReportJson.read(reports);
        assertThat(report.results()).extracting(Result::status)
                .containsExactlyInAnyOrder(Status.PASS, Status.FAIL, Status.SKIP);
        assertThat(report.environment().java()).isNotBlank();
        assertThat(reports.resolve("junit.xml")).content().contains("failures=\"1\"").contains("skipped=\"1\"");
        assertThat(reports.resolve("report.html")).content().contains("<table id=\"matrix\">");
        assertThat(run.err()).contains("Report: " + reports.resolve("report.html").toAbsolutePath());
    }

    @Test
    void passesWhenEverySelectedScenarioPasses() {
        Run run = conformance("--scenarios", "login SUCCEEDS");

        assertThat(run.verdicts()).hasSize(1);
        assertThat(run.out()).last().isEqualTo("1 passed, 0 failed, 0 skipped");
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

        assertThat(run.verdicts())
                .containsExactly("FAIL  BrokenSetupTest  " + duration(run.out().get(0)) + " — swtpm did not start");
        assertThat(run.out()).last().isEqualTo("0 passed, 1 failed, 0 skipped");
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
    void writesTheThreeReportsWithTheMatrixEntriesAndLatencies() throws Exception {
        Run run = conformance("--scenarios", "Matrix fixture");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.verdicts()).containsExactly(
                "PASS  Matrix login [ecc-p256]  " + duration(run.verdicts().get(0)),
                "FAIL  Matrix login [rsa-2048]  " + duration(run.verdicts().get(1))
                        + " — signature did not verify with the key in authorized_keys");
        RunReport report = ReportJson.read(reports.resolve("report.json"));
        assertThat(report.schemaVersion()).isEqualTo(RunReport.SCHEMA_VERSION);
        assertThat(report.runId()).isEqualTo(reports.getFileName().toString());
        assertThat(report.results()).extracting(Result::combination).containsExactlyInAnyOrder(
                "swtpm-tcp|java|openssh|openssh|ecc-p256|created", "swtpm-tcp|java|openssh|openssh|rsa-2048|created");
        assertThat(report.results()).filteredOn(r -> r.status() == Status.FAIL).singleElement()
                .satisfies(r -> assertThat(r.attachments()).containsEntry("sshd-log", "/tmp/fixture-sshd.log"));
        assertThat(report.environment().tpms()).singleElement()
                .satisfies(t -> assertThat(t.manufacturer()).isEqualTo("IBM"));
        assertThat(report.latency()).filteredOn(s -> s.operation().equals("tpm-sign")).hasSize(2)
                .allSatisfy(s -> assertThat(s.ratioToBaseline()).isBetween(1.9, 2.1));
        // The summary table: counts per combination and the latency medians beside their baselines.
        assertThat(run.out()).anySatisfy(l -> assertThat(l)
                        .matches("swtpm-tcp\\|java\\|openssh\\|openssh\\|rsa-2048\\|created\\s+0\\s+1\\s+0"))
                .anySatisfy(l -> assertThat(l).contains("tpm-sign").contains("raw-tpm-sign").contains("2.00x"));
        assertThat(reports.resolve("junit.xml")).exists();
        assertThat(reports.resolve("report.html")).content().contains("<svg");
        assertThat(reports).isDirectoryNotContaining("glob:**{.tmp,.lock}");
    }

    @Test
    void theThreeReportsNameThePackageVersionsPublishedAndFoundHere() throws Exception {
        conformance("--scenarios", "Matrix fixture");

        RunReport report = ReportJson.read(reports.resolve("report.json"));
        assertThat(report.environment().packages()).containsEntry("libtpm2-pkcs11-1", "1.9.0-0.1+fixture1");
        assertThat(reports.resolve("junit.xml")).content()
                .contains("<property name=\"package.libtpm2-pkcs11-1\" value=\"1.9.0-0.1+fixture1\"");
        assertThat(reports.resolve("report.html")).content()
                .contains("<tr><th>package libtpm2-pkcs11-1</th><td>1.9.0-0.1+fixture1</td></tr>");
        // And what dpkg says here about the platform beneath, in the same exact form.
        report.environment().packages().forEach((name, version) -> {
            assertThat(reports.resolve("junit.xml")).content()
                    .contains("<property name=\"package." + name + "\" value=\"" + version + "\"");
        });
    }

    @Test
    void showsProgressWithTheScenarioBeingRunAndWhatRemains() {
        Run run = conformance("--scenarios", "Matrix fixture|MixedOutcomes");

        // The two matrix invocations are unknown until their template runs: until then the count is a floor.
        List<String> progress = run.err().lines().filter(l -> l.startsWith("[")).toList();
        assertThat(progress).hasSize(4);
        assertThat(progress).anySatisfy(l -> assertThat(l).matches("\\[\\d done, \\d\\+ to go\\] running Matrix login \\[ecc-p256\\]"));
        assertThat(progress).anySatisfy(l -> assertThat(l).matches("\\[\\d done, \\d\\+? to go\\] running Login succeeds"));
        // Done plus to go (the running one included) is the 5 tests of the two suites once the matrix is known.
        assertThat(progress.get(progress.size() - 1)).matches("\\[(3 done, 2|3 done, 1) to go\\] running .*");
        assertThat(progress).allSatisfy(l -> {
            String[] n = l.replaceAll("^\\[(\\d+) done, (\\d+)\\+? to go.*", "$1 $2").split(" ");
            assertThat(Integer.parseInt(n[0]) + Integer.parseInt(n[1])).isBetween(3, 5);
        });
    }

    @Test
    void aMatrixThatAnnouncesItsSizeGetsAnExactCount() {
        Run run = conformance("--scenarios", "Announced matrix");

        assertThat(run.err().lines().filter(l -> l.startsWith("["))).containsExactly(
                "[0 done, 3 to go] running Announced login [ecc-p256]",
                "[1 done, 2 to go] running Announced login [rsa-2048]",
                "[2 done, 1 to go] running Announced login [ecc-p384]");
        assertThat(run.out()).last().isEqualTo("3 passed, 0 failed, 0 skipped");
    }

    @Test
    void optionsBecomeLauncherConfigurationParametersWithTheIssueDefaults() throws Exception {
        conformance("--scenarios", "Echo configuration");
        assertThat(skipReason()).isEqualTo(
                "tpmssh.backend=swtpm-tcp tpmssh.stack=- tpmssh.server=openssh,mina tpmssh.client=-"
                        + " tpmssh.keys=ecc-p256,rsa-2048 tpmssh.origins=- tpmssh.scenarios=Echo configuration"
                        + " tpmssh.tcti=- tpmssh.allowLabWrites=- tpmssh.latencyProfile=-");

        conformance("--scenarios", "Echo*", "--backend", "device:/dev/tpmrm0", "--stack", "java",
                "--server", "mina", "--client", "mina", "--keys", "rsa-3072", "--origins", "imported,pinless",
                "--tcti", "device:/dev/tpmrm0", "--allow-lab-writes", "--latency-profile", "NPCT750");
        assertThat(skipReason()).isEqualTo(
                "tpmssh.backend=device tpmssh.stack=java tpmssh.server=mina tpmssh.client=mina"
                        + " tpmssh.keys=rsa-3072 tpmssh.origins=imported,pinless tpmssh.scenarios=Echo*"
                        + " tpmssh.tcti=device:/dev/tpmrm0 tpmssh.allowLabWrites=true tpmssh.latencyProfile=NPCT750");
    }

    @Test
    void theTpm2Pkcs11StackIsTestedThroughSshDashIAsWellAsTheAgent() throws Exception {
        conformance("--scenarios", "Echo configuration", "--stack", "all");
        assertThat(skipReason()).contains("tpmssh.client=ssh-agent,ssh-pkcs11 ");
        conformance("--scenarios", "Echo configuration", "--stack", "tpm2-pkcs11", "--client", "ssh-agent");
        assertThat(skipReason()).contains("tpmssh.client=ssh-agent ");
    }

    @Test
    void tpm2Pkcs11RunsOnTheSharedBackendUnlessABackendIsGiven() throws Exception {
        conformance("--scenarios", "Echo configuration", "--stack", "all");
        assertThat(skipReason()).contains("tpmssh.backend=swtpm-abrmd ");
        conformance("--scenarios", "Echo configuration", "--stack", "tpm2-pkcs11");
        assertThat(skipReason()).contains("tpmssh.backend=swtpm-abrmd ");
        conformance("--scenarios", "Echo configuration", "--stack", "tpm2-pkcs11", "--backend", "swtpm-tcp");
        assertThat(skipReason()).contains("tpmssh.backend=swtpm-tcp ");
        conformance("--scenarios", "Echo configuration", "--stack", "java");
        assertThat(skipReason()).contains("tpmssh.backend=swtpm-tcp ");
    }

    @Test
    void aTctiAloneIsTestedAsADeviceAndDeviceColonNamesItsTcti() throws Exception {
        conformance("--scenarios", "Echo configuration", "--tcti", "swtpm:host=127.0.0.1,port=2321");
        assertThat(skipReason()).contains("tpmssh.backend=device ")
                .contains("tpmssh.tcti=swtpm:host=127.0.0.1,port=2321 ");

        conformance("--scenarios", "Echo configuration", "--backend", "swtpm-tcp,device:/dev/tpm0");
        assertThat(skipReason()).contains("tpmssh.backend=swtpm-tcp,device ").contains("tpmssh.tcti=device:/dev/tpm0 ");
    }

    @Test
    void aLatencyProfileReachesTheHarnessAndAMisspeltOneListsTheChoices() throws Exception {
        conformance("--scenarios", "Echo configuration", "--latency-profile", "slb9670");
        assertThat(skipReason()).contains("tpmssh.latencyProfile=slb9670");

        Path unused = reports.resolve("not-made");
        Run misspelt = tpmssh("conformance", "--reports-dir", unused.toString(), "--latency-profile", "slb9760");
        assertThat(misspelt.exitCode()).isEqualTo(2);
        assertThat(misspelt.err().lines().findFirst().orElse("")).as(misspelt.err()).isEqualTo("tpmssh: unknown latency profile \"slb9760\"; choose one of"
                + " slb9670, st33tp, attpm20, npct650, npct750, z32h330");
        assertThat(misspelt.err()).doesNotContain("\tat ");
        assertThat(unused).as("nothing ran, so no reports dir").doesNotExist();

        Run help = tpmssh("conformance", "--help");
        assertThat(String.join("\n", help.out())).contains("--latency-profile=<chip>")
                .contains("slb9670, st33tp, attpm20");
    }

    @Test
    void junitOnlyWritesJunitXmlAlone() throws IOException {
        Run run = conformance("--junit-only", "--scenarios", "login SUCCEEDS");

        assertThat(run.exitCode()).isZero();
        try (var files = Files.list(reports)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("junit.xml");
        }
        assertThat(run.err()).contains("Report: " + reports.resolve("junit.xml").toAbsolutePath());
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
    void helpListsEveryBackendAndWhatTheContainerFamilyStandsFor() {
        String help = String.join(" ", tpmssh("conformance", "--help").out()).replaceAll("\\s+", " ");

        assertThat(help).contains(String.join(", ", Axis.BACKEND.choices()))
                .contains("container: this machine's swtpm and Debian testing's side by side ("
                        + String.join(", ", Axis.BACKEND.families().get(Backend.CONTAINER_FAMILY)) + ")");
    }

    @Test
    void theContainerFamilyReachesTheHarnessAsItIsWritten() throws Exception {
        conformance("--scenarios", "Echo configuration", "--backend", "container,container-trixie");
        assertThat(skipReason()).contains("tpmssh.backend=container,container-trixie ");
    }

    @Test
    void withoutArgumentsPrintsHelp() {
        Run run = tpmssh();

        assertThat(run.exitCode()).isZero();
        assertThat(String.join("\n", run.out())).contains("Usage: tpmssh").contains("conformance");
    }

    private String skipReason() throws Exception {
        return ReportJson.read(reports).results().stream().filter(r -> r.status() == Status.SKIP)
                .map(Result::reason).findFirst().orElseThrow();
    }

    private static String duration(String line) {
        return line.replaceAll(".*(\\(\\d+\\.\\d s\\)).*", "$1");
    }
}
