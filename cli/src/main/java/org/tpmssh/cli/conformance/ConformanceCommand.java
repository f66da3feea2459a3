package org.tpmssh.cli.conformance;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.tpmssh.cli.Main;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tpmssh conformance}: runs the scenario suites through the JUnit Platform Launcher, so that it runs
 * the same tests as {@code mvn verify}, and prints one line per scenario as it finishes.
 */
@Command(
        name = "conformance",
        mixinStandardHelpOptions = true,
        description = {
            "Run the scenario suites: real OpenSSH and MINA logins through TPM-backed keys.",
            "Exit code: 0 when every scenario passed or was skipped and at least one passed;"
                    + " 1 when one failed or none ran; 2 on a usage error."
        })
public final class ConformanceCommand implements Callable<Integer> {

    /** The system property through which scenarios learn which TPM to use instead of starting swtpm. */
    static final String TCTI_PROPERTY = "tpmssh.tcti";

    // The class names surefire runs by default, so that a helper class in the suites is skipped by both.
    private static final String[] SUREFIRE_CLASS_NAMES = {
        "^(.*\\.)?Test[^.]*$", "^.*Tests?$", "^.*TestCase$"
    };

    private final String scenarioPackage;

    @Spec CommandSpec spec;

    @Option(
            names = "--scenarios",
            paramLabel = "<glob|regex>",
            converter = ScenarioFilter.Converter.class,
            description = {
                "Run only the scenarios whose class or display name matches, ignoring case.",
                "A glob (* and ?) or a regular expression; it may match any part of the name."
            })
    ScenarioFilter filter;

    @Option(
            names = "--tcti",
            paramLabel = "<tcti>",
            description = {
                "The TPM to test, as a tpm2-tss TCTI string, e.g. swtpm:host=127.0.0.1,port=2321,"
                        + " mssim:host=127.0.0.1,port=2321 or device:/dev/tpmrm0.",
                "Default: each scenario starts its own swtpm."
            })
    String tcti;

    @Option(
            names = "--reports-dir",
            paramLabel = "<dir>",
            description = "Where to write the run's summary. Default: reports/<timestamp>.")
    Path reportsDir;

    public ConformanceCommand(String scenarioPackage) {
        this.scenarioPackage = scenarioPackage;
    }

    @Override
    public Integer call() throws IOException {
        Path reports = reportsDir != null ? reportsDir : defaultReportsDir();
        // Fail before a possibly long run, not after it.
        try {
            Files.createDirectories(reports);
        } catch (IOException e) {
            throw new IOException("cannot create the reports directory " + reports + ": " + e, e);
        }

        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean verbose = Main.isVerbose(spec.root().commandLine().getParseResult());
        ScenarioProgress progress = new ScenarioProgress(out, verbose ? err : null);

        String previousTcti = tcti == null ? null : System.setProperty(TCTI_PROPERTY, tcti);
        try {
            LauncherFactory.create().execute(discoveryRequest(), progress);
        } finally {
            if (tcti != null) {
                restoreTcti(previousTcti);
            }
        }

        progress.printSummary();
        if (progress.noneRan()) {
            // Either nothing was found or everything was skipped; the summary line above says which.
            err.println("tpmssh: no tests ran" + (filter == null ? "" : " for --scenarios " + filter));
        }
        Path summary = reports.resolve("summary.txt");
        writeSummary(summary, progress);
        err.println("Summary written to " + summary);
        return progress.exitCode();
    }

    private LauncherDiscoveryRequest discoveryRequest() {
        LauncherDiscoveryRequestBuilder request =
                LauncherDiscoveryRequestBuilder.request()
                        .selectors(selectPackage(scenarioPackage))
                        .filters(
                                EngineFilter.includeEngines("junit-jupiter"),
                                ClassNameFilter.includeClassNamePatterns(SUREFIRE_CLASS_NAMES));
        if (filter != null) {
            request.filters(filter);
        }
        return request.build();
    }

    private static Path defaultReportsDir() {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss"));
        return Path.of("reports", stamp);
    }

    private static void restoreTcti(String previous) {
        if (previous == null) {
            System.clearProperty(TCTI_PROPERTY);
        } else {
            System.setProperty(TCTI_PROPERTY, previous);
        }
    }

    // A stand-in until the reports module renders the full run: the same lines the console showed.
    private static void writeSummary(Path file, ScenarioProgress progress) throws IOException {
        try {
            Files.write(file, progress.lines(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot write the summary " + file + ": " + e, e);
        }
    }
}
