package org.tpmssh.cli.conformance;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.BuiltInStack;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.RunProperty;
import org.tpmssh.axes.SuiteTags;
import org.tpmssh.cli.Main;
import org.tpmssh.harness.latency.LatencySink;
import org.tpmssh.harness.wire.ChipProfile;
import org.tpmssh.harness.wire.ChipProfiles;
import org.tpmssh.harness.wire.WireSink;
import org.tpmssh.reports.environment.EnvironmentProbe;
import org.tpmssh.reports.format.ReportFiles;
import org.tpmssh.reports.format.ReportFormatException;
import org.tpmssh.reports.latency.LatencyRecorder;
import org.tpmssh.reports.listener.ReportListener;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.wire.WireRecorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tpmssh conformance}: runs the scenario suites through the JUnit Platform Launcher and writes the run's reports. */
@Command(
        name = "conformance",
        mixinStandardHelpOptions = true,
        defaultValueProvider = AxisOptions.Defaults.class,
        description = {
            "Run the scenario suites: real OpenSSH and MINA logins through TPM-backed keys.",
            "Progress lines ([N done, M to go] running <scenario>) go to stderr, one result line per scenario"
                    + " and a summary table to stdout; M+ means matrix invocations may still be added.",
            "Writes reports/<timestamp>/{report.json,junit.xml,report.html}.",
            "Exit code: 0 when every scenario passed or was skipped and at least one passed;"
                    + " 1 when one failed or none ran; 2 on a usage error."
        })
public final class ConformanceCommand implements Callable<Integer> {

    // The class names surefire runs by default, so that a helper class in the suites is skipped by both.
    private static final String[] SUREFIRE_CLASS_NAMES = {
        "^(.*\\.)?Test[^.]*$", "^.*Tests?$", "^.*TestCase$"
    };
    /** {@code --backend device:/dev/tpmrm0} names the device backend and its TCTI at once. */
    private static final String DEVICE_PREFIX = Backend.DEVICE.label() + ":";

    private final String scenarioPackage;

    @Spec CommandSpec spec;

    @Option(
            names = "--backend",
            paramLabel = "<backend>",
            completionCandidates = AxisOptions.Backends.class,
            description = {
                "The TPM backends to run, comma-separated: ${COMPLETION-CANDIDATES} (the device also as"
                        + " device:/dev/tpmrm0). Default: ${DEFAULT-VALUE} (an auto-started swtpm); with --tcti"
                        + " alone, device; with tpm2-pkcs11 in --stack, swtpm-abrmd (one swtpm behind tpm2-abrmd"
                        + " that every stack shares, so tpm2-pkcs11's wrong-PIN, lockout and restart rows run).",
                "container-* run swtpm in Docker: this machine's (host) or a Debian suite's, from images that"
                        + " scripts/images/build.sh makes; container: this machine's swtpm and Debian"
                        + " testing's side by side (container-host, container-testing)."
            })
    String backend;

    @Option(
            names = "--stack",
            paramLabel = "<stack>",
            completionCandidates = AxisOptions.Stacks.class,
            description = "Stacks to run, comma-separated: ${COMPLETION-CANDIDATES}.")
    String stack;

    @Option(
            names = "--server",
            paramLabel = "<server>",
            completionCandidates = AxisOptions.Servers.class,
            description = "SSH servers to log in to, comma-separated: ${COMPLETION-CANDIDATES}."
                    + " Default: ${DEFAULT-VALUE}.")
    String server;

    @Option(
            names = "--client",
            paramLabel = "<client>",
            completionCandidates = AxisOptions.Clients.class,
            description = "SSH clients to log in with, comma-separated: ${COMPLETION-CANDIDATES}. Default:"
                    + " ssh-agent; with --stack tpm2-pkcs11 or all, ssh-agent,ssh-pkcs11 (ssh-pkcs11: ssh -I and"
                    + " ssh-add -s with the stack's PKCS#11 module, for java p11-kit-client.so).")
    String client;

    @Option(
            names = "--keys",
            paramLabel = "<types>",
            completionCandidates = AxisOptions.Keys.class,
            description = "Key types, comma-separated: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    String keys;

    @Option(
            names = "--origins",
            paramLabel = "<origins>",
            completionCandidates = AxisOptions.Origins.class,
            description = "Key origins, comma-separated: ${COMPLETION-CANDIDATES}.")
    String origins;

    @Option(
            names = "--scenarios",
            paramLabel = "<glob|regex>",
            converter = ScenarioFilter.Converter.class,
            description = {
                "Run only the scenarios whose class or display name matches, ignoring case.",
                "Globs (* and ?), comma-separated, or a regular expression; it may match any part of the name."
            })
    ScenarioFilter filter;

    @Option(
            names = "--tcti",
            paramLabel = "<tcti>",
            description = {
                "The TPM to test, as a tpm2-tss TCTI string, e.g. swtpm:host=127.0.0.1,port=2321,"
                        + " mssim:host=127.0.0.1,port=2321 or device:/dev/tpmrm0.",
                "It runs as the device backend, under the lab rules: nothing is cleared or left behind.",
                "Default: each scenario class starts its own swtpm."
            })
    String tcti;

    @Option(
            names = "--allow-lab-writes",
            description = "Allow scenarios that need persistent handles on a device TPM (they remove them again).")
    boolean allowLabWrites;

    @Option(
            names = "--reports-dir",
            paramLabel = "<dir>",
            description = "Where to write the run's reports. Default: reports/<timestamp>.")
    Path reportsDir;

    @Option(names = "--junit-only", description = "Write only junit.xml (for CI), no report.json or report.html.")
    boolean junitOnly;

    @Option(
            names = "--latency-profile",
            paramLabel = "<chip>",
            completionCandidates = ChipProfileIds.class,
            description = {
                "Run as this TPM chip would: the wire proxy holds each TPM response for the chip's published time"
                        + " (${COMPLETION-CANDIDATES}), and the report shows each stack's sign and login latency"
                        + " so measured. Default: the simulator's own speed."
            })
    String latencyProfile;

    public ConformanceCommand(String scenarioPackage) {
        this.scenarioPackage = scenarioPackage;
    }

    @Override
    public Integer call() throws IOException, ReportFormatException {
        Optional<ChipProfile> chip;
        try {
            chip = Optional.ofNullable(latencyProfile).map(ChipProfiles::named);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
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
        ScenarioProgress progress = new ScenarioProgress(out, err, verbose ? err : null);
        ReportListener collector = new ReportListener();
        LatencyRecorder latency = LatencyRecorder.global();
        latency.reset();

        WireRecorder wire = new WireRecorder();

        LatencySink previousSink = LatencySink.current();
        WireSink previousWire = WireSink.current();
        LatencySink.install(new RecorderSink(latency));
        WireSink.install(new WireReportSink(wire));
        try {
            LauncherFactory.create().execute(discoveryRequest(), progress, collector);
        } finally {
            LatencySink.install(previousSink);
            WireSink.install(previousWire);
        }

        String runId = reports.toAbsolutePath().normalize().getFileName().toString();
        RunReport report = collector.report(runId, EnvironmentProbe.probe(collector.tpms(), collector.packages()),
                latency.snapshot()).withWire(wire.snapshot(chip.map(WireReportSink::describe).orElse(null)));
        SummaryTable.print(out, report);
        WireReportSink.print(out, report.wire());
        progress.printSummary();
        if (progress.noneRan()) {
            // Either nothing was found or everything was skipped; the summary line above says which.
            err.println("tpmssh: no tests ran" + (filter == null ? "" : " for --scenarios " + filter));
        }
        Map<String, Path> written = ReportFiles.writeAll(reports, report, junitOnly);
        Path shown = written.getOrDefault(ReportFiles.HTML, written.get(ReportFiles.JUNIT));
        err.println("Report: " + shown.toAbsolutePath().normalize());
        err.flush();
        return progress.exitCode();
    }

    /** The launcher configuration parameters this run's options stand for; an option not given is absent. */
    Map<String, String> configurationParameters() {
        Map<String, String> p = new LinkedHashMap<>();
        String backends = backend;
        String deviceTcti = tcti;
        if (backends != null && backends.contains(DEVICE_PREFIX)) {
            StringBuilder names = new StringBuilder();
            for (String b : backends.split(",")) {
                String name = b.strip();
                if (name.startsWith(DEVICE_PREFIX)) {
                    deviceTcti = deviceTcti == null ? name : deviceTcti;
                    name = Backend.DEVICE.label();
                }
                names.append(names.length() == 0 ? "" : ",").append(name);
            }
            backends = names.toString();
        } else if (tcti != null && !backendGiven()) {
            // A TPM given with --tcti is tested as it is, under the lab rules of the device backend.
            backends = Backend.DEVICE.label();
        } else if (!backendGiven() && withTpm2Pkcs11()) {
            // tpm2-pkcs11 on the run's own TPM, not a companion swtpm: its security rows run, at no extra cost.
            backends = Backend.SWTPM_ABRMD.label();
        }
        put(p, Axis.BACKEND.property(), backends);
        put(p, Axis.STACK.property(), stack);
        put(p, Axis.SERVER.property(), server);
        String clients = client;
        if (clients == null && withTpm2Pkcs11()) {
            // tpm2-pkcs11 is used through `ssh -I` as often as through ssh-add -s: test both unless told otherwise.
            // With all, the java stack's ssh-pkcs11 rows (p11-kit-client.so) come too; a plain run leaves them out
            // (27 rows, about 70 s on 2 cores; mvn verify runs a slice of them, JavaSshPkcs11RowTest).
            clients = Client.SSH_AGENT.label() + "," + Client.SSH_PKCS11.label();
        }
        put(p, Axis.CLIENT.property(), clients);
        put(p, Axis.KEY.property(), keys);
        put(p, Axis.ORIGIN.property(), origins);
        put(p, RunProperty.SCENARIOS.key(), filter == null ? null : filter.toString());
        put(p, RunProperty.TCTI.key(), deviceTcti);
        if (allowLabWrites) {
            p.put(RunProperty.ALLOW_LAB_WRITES.key(), "true");
        }
        put(p, RunProperty.LATENCY_PROFILE.key(), latencyProfile);
        return p;
    }

    private boolean withTpm2Pkcs11() {
        return stack != null && (stack.contains(BuiltInStack.TPM2_PKCS11.label()) || stack.strip().equals(Axis.ALL));
    }

    private boolean backendGiven() {
        return spec != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--backend");
    }

    private static void put(Map<String, String> p, String key, String value) {
        if (value != null && !value.isBlank()) {
            p.put(key, value.strip());
        }
    }

    private LauncherDiscoveryRequest discoveryRequest() {
        LauncherDiscoveryRequestBuilder request =
                LauncherDiscoveryRequestBuilder.request()
                        .selectors(selectPackage(scenarioPackage))
                        .configurationParameters(configurationParameters())
                        .filters(
                                EngineFilter.includeEngines("junit-jupiter"),
                                // The seeded-fault suite proves the scenarios catch a broken stack, and the
                                // self-checks run the suites through a nested Launcher: both are part of mvn
                                // verify, not of a conformance verdict on this machine.
                                TagFilter.excludeTags(SuiteTags.FAULTY_STACK, SuiteTags.SELF_CHECK),
                                ClassNameFilter.includeClassNamePatterns(SUREFIRE_CLASS_NAMES));
        if (filter != null) {
            request.filters(filter);
        }
        return request.build();
    }

    /** The chip ids of {@code --latency-profile}, as chip-profiles.json lists them. */
    static final class ChipProfileIds implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ChipProfiles.all().stream().map(ChipProfile::id).iterator();
        }
    }

    private static Path defaultReportsDir() {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss"));
        return Path.of("reports", stamp);
    }
}
