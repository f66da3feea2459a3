package org.tpmssh.reports.listener;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.ReportKeys;
import org.tpmssh.reports.model.Environment;
import org.tpmssh.reports.model.Environment.TpmInfo;
import org.tpmssh.reports.model.LatencySeries;
import org.tpmssh.reports.model.Result;
import org.tpmssh.reports.model.RunReport;
import org.tpmssh.reports.model.Status;

/**
 * Collects what a JUnit Platform run found, one {@link Result} per test (or per suite that failed or was skipped as
 * a whole), with the axes the harness published.
 */
public final class ReportListener implements TestExecutionListener {

    private static final int MAX_DETAIL = 20_000;
    private static final String ASSUMPTION_PREFIX = "Assumption failed: ";

    private final Map<String, Map<String, String>> entries = new HashMap<>();
    private final Map<String, Long> startNanos = new HashMap<>();
    private final Map<String, TpmInfo> tpms = new LinkedHashMap<>();
    private final Map<String, String> packages = new java.util.TreeMap<>();
    private final List<Result> results = new ArrayList<>();
    private TestPlan plan;
    private Instant started;
    private long startedNanos;
    private long finishedNanos;

    @Override
    public synchronized void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        started = Instant.now();
        startedNanos = System.nanoTime();
    }

    @Override
    public synchronized void testPlanExecutionFinished(TestPlan testPlan) {
        finishedNanos = System.nanoTime();
    }

    @Override
    public synchronized void executionStarted(TestIdentifier id) {
        startNanos.put(id.getUniqueId(), System.nanoTime());
    }

    @Override
    public synchronized void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
        Map<String, String> mine = entries.computeIfAbsent(id.getUniqueId(), k -> new HashMap<>());
        entry.getKeyValuePairs().forEach((k, v) -> {
            if (k.startsWith(ReportKeys.PREFIX)) {
                mine.put(k, v);
            }
            if (k.startsWith(ReportKeys.PACKAGE_PREFIX)) {
                packages.put(k.substring(ReportKeys.PACKAGE_PREFIX.length()), v);
            }
        });
        Map<String, String> all = inherited(id);
        if (all.containsKey(ReportKeys.TPM_MANUFACTURER) || all.containsKey(ReportKeys.TPM_FIRMWARE)
                || all.containsKey(ReportKeys.TPM_SPEC)) {
            String backend = all.getOrDefault(Axis.BACKEND.reportKey(), "unknown");
            tpms.put(backend, new TpmInfo(backend, all.get(ReportKeys.TPM_MANUFACTURER),
                    all.get(ReportKeys.TPM_FIRMWARE), all.get(ReportKeys.TPM_SPEC), image(all)));
        }
    }

    /** The container image a backend published beside its TPM, or null for a TPM in no container. */
    private static Environment.Image image(Map<String, String> entries) {
        String name = entries.get(ReportKeys.TPM_IMAGE);
        return name == null ? null : new Environment.Image(name, entries.get(ReportKeys.TPM_IMAGE_DEBIAN),
                entries.get(ReportKeys.TPM_IMAGE_SWTPM), entries.get(ReportKeys.TPM_IMAGE_LIBTPMS));
    }

    @Override
    public synchronized void executionSkipped(TestIdentifier id, String reason) {
        results.add(result(id, Status.SKIP, reason, null, null, 0));
    }

    @Override
    public synchronized void executionFinished(TestIdentifier id, TestExecutionResult outcome) {
        Long start = startNanos.remove(id.getUniqueId());
        long millis = start == null ? 0 : Duration.ofNanos(System.nanoTime() - start).toMillis();
        Throwable t = outcome.getThrowable().orElse(null);
        switch (outcome.getStatus()) {
            case SUCCESSFUL:
                if (id.isTest()) {
                    results.add(result(id, Status.PASS, null, null, null, millis));
                }
                break;
            case ABORTED:
                // JUnit prefixes every assumption's message; the reason is what follows.
                String reason = firstLine(t);
                if (reason != null && reason.startsWith(ASSUMPTION_PREFIX)) {
                    reason = reason.substring(ASSUMPTION_PREFIX.length());
                }
                results.add(result(id, Status.SKIP, reason, null, null, millis));
                break;
            case FAILED:
                results.add(result(id, Status.FAIL, firstLine(t), t == null ? null : t.getClass().getName(),
                        trace(t), millis));
                break;
        }
    }

    /** The results so far, in the order they finished. */
    public synchronized List<Result> results() {
        return List.copyOf(results);
    }

    /** The TPM identities the harness published, one per backend. */
    public synchronized List<TpmInfo> tpms() {
        return List.copyOf(tpms.values());
    }

    /** The package versions the harness published ({@code tpmssh.package.<name>}), by name. */
    public synchronized Map<String, String> packages() {
        return Map.copyOf(packages);
    }

    /** The run as a report; {@code environment} should carry {@link #tpms()} and {@link #packages()}. */
    public synchronized RunReport report(String runId, Environment environment, List<LatencySeries> latency) {
        long end = finishedNanos != 0 ? finishedNanos : System.nanoTime();
        return new RunReport(RunReport.SCHEMA_VERSION, runId,
                started == null ? Instant.now().toString() : started.toString(),
                started == null ? 0 : Duration.ofNanos(end - startedNanos).toMillis(),
                environment, results, latency);
    }

    private Result result(TestIdentifier id, Status status, String reason, String type, String detail, long millis) {
        Map<String, String> all = inherited(id);
        Map<String, String> axes = new LinkedHashMap<>();
        for (Axis axis : Axis.values()) {
            if (all.containsKey(axis.reportKey())) {
                axes.put(axis.label(), all.get(axis.reportKey()));
            }
        }
        Map<String, String> attachments = new LinkedHashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith(ReportKeys.ATTACHMENT_PREFIX)) {
                attachments.put(k.substring(ReportKeys.ATTACHMENT_PREFIX.length()), v);
            }
        });
        return new Result(all.get(ReportKeys.COMBINATION), axes, className(id), scenario(id), name(id), status,
                reason == null || reason.isBlank() ? null : reason, type, detail, millis, attachments);
    }

    // The entries of the test and of every container around it, the innermost winning.
    private Map<String, String> inherited(TestIdentifier id) {
        List<TestIdentifier> chain = new ArrayList<>();
        for (TestIdentifier d = id; d != null; d = parent(d).orElse(null)) {
            chain.add(0, d);
        }
        Map<String, String> all = new HashMap<>();
        for (TestIdentifier d : chain) {
            all.putAll(entries.getOrDefault(d.getUniqueId(), Map.of()));
        }
        return all;
    }

    private Optional<TestIdentifier> parent(TestIdentifier id) {
        return plan == null ? Optional.empty() : plan.getParent(id);
    }

    private static String className(TestIdentifier id) {
        return id.getSource().map(s -> s instanceof MethodSource m ? m.getClassName()
                : s instanceof ClassSource c ? c.getClassName() : null).orElse(null);
    }

    /** The behaviour: for a matrix invocation, the display name of the scenario it is an invocation of. */
    private String scenario(TestIdentifier id) {
        TestIdentifier scenario = id;
        for (TestIdentifier p = parent(id).orElse(null);
                p != null && p.getSource().filter(MethodSource.class::isInstance).isPresent();
                p = parent(p).orElse(null)) {
            scenario = p;
        }
        return scenario.getDisplayName();
    }

    private String name(TestIdentifier id) {
        String name = id.getDisplayName();
        for (TestIdentifier p = parent(id).orElse(null);
                p != null && p.getSource().filter(MethodSource.class::isInstance).isPresent();
                p = parent(p).orElse(null)) {
            name = p.getDisplayName() + " " + name;
        }
        return name;
    }

    private static String firstLine(Throwable t) {
        if (t == null) {
            return null;
        }
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return message.strip().lines().findFirst().orElse("");
    }

    private static String trace(Throwable t) {
        if (t == null) {
            return null;
        }
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String s = w.toString();
        return s.length() > MAX_DETAIL ? s.substring(0, MAX_DETAIL) + "\n… (truncated)" : s;
    }
}
