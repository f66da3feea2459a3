package org.tpmssh.cli.conformance;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.tpmssh.axes.ReportKeys;

/**
 * The console of a conformance run: a progress line as each scenario starts, a PASS, FAIL or SKIP line as it ends,
 * and the counts that decide the exit code (see docs/harness.md for how "N to go" is counted).
 */
final class ScenarioProgress implements TestExecutionListener {

    private final PrintWriter out;
    private final PrintWriter progress;
    private final PrintWriter traces;
    private final Map<String, Long> startNanos = new HashMap<>();
    // Tests known so far that have not finished, and templates whose invocations may still appear.
    private final Set<String> pending = new HashSet<>();
    private final Set<String> openTemplates = new HashSet<>();
    // Per open template: invocations it announced, and invocations registered so far.
    private final Map<String, Integer> announced = new HashMap<>();
    private final Map<String, Integer> registered = new HashMap<>();
    private TestPlan plan;
    private int done;
    private int passed;
    private int failed;
    private int skipped;

    /**
     * @param out where the scenario lines and the summary go
     * @param progress where the live "running …" lines go, or null for none
     * @param traces where the stack traces of failures go, or null to leave them out
     */
    ScenarioProgress(PrintWriter out, PrintWriter progress, PrintWriter traces) {
        this.out = out;
        this.progress = progress;
        this.traces = traces;
    }

    @Override
    public synchronized void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        for (TestIdentifier root : testPlan.getRoots()) {
            for (TestIdentifier d : testPlan.getDescendants(root)) {
                if (d.isTest()) {
                    pending.add(d.getUniqueId());
                } else if (isTemplate(d)) {
                    openTemplates.add(d.getUniqueId());
                }
            }
        }
    }

    @Override
    public synchronized void dynamicTestRegistered(TestIdentifier id) {
        id.getParentId().ifPresent(parent -> registered.merge(parent, 1, Integer::sum));
        if (id.isTest()) {
            pending.add(id.getUniqueId());
        } else if (isTemplate(id)) {
            openTemplates.add(id.getUniqueId());
        }
    }

    @Override
    public synchronized void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
        String size = entry.getKeyValuePairs().get(ReportKeys.INVOCATIONS);
        if (size != null && openTemplates.contains(id.getUniqueId())) {
            try {
                announced.put(id.getUniqueId(), Integer.parseInt(size.strip()));
            } catch (NumberFormatException e) {
                // A malformed announcement leaves the count a lower bound, as without one.
            }
        }
    }

    @Override
    public synchronized void executionStarted(TestIdentifier id) {
        startNanos.put(id.getUniqueId(), System.nanoTime());
        if (id.isTest() && progress != null) {
            int remaining = pending.size();
            boolean lowerBound = false;
            for (String template : openTemplates) {
                Integer size = announced.get(template);
                if (size == null) {
                    lowerBound = true;
                } else {
                    remaining += Math.max(0, size - registered.getOrDefault(template, 0));
                }
            }
            progress.println(String.format(Locale.ROOT, "[%d done, %d%s to go] running %s", done, remaining,
                    lowerBound ? "+" : "", name(id)));
            progress.flush();
        }
    }

    @Override
    public synchronized void executionSkipped(TestIdentifier id, String reason) {
        skipped++;
        settle(id);
        print("SKIP", id, null, reason);
    }

    @Override
    public synchronized void executionFinished(TestIdentifier id, TestExecutionResult result) {
        settle(id);
        Long start = startNanos.remove(id.getUniqueId());
        String duration =
                start == null
                        ? null
                        : String.format(Locale.ROOT, "(%.1f s)", (System.nanoTime() - start) / 1e9);
        switch (result.getStatus()) {
            case SUCCESSFUL:
                if (id.isTest()) {
                    passed++;
                    print("PASS", id, duration, null);
                }
                break;
            case ABORTED:
                skipped++;
                print("SKIP", id, duration, withoutAssumptionPrefix(reason(result)));
                break;
            case FAILED:
                failed++;
                print("FAIL", id, duration, reason(result));
                if (traces != null) {
                    result.getThrowable().ifPresent(t -> t.printStackTrace(traces));
                    traces.flush();
                }
                break;
        }
    }

    /** A finished test counts as done; a finished container takes its never-run tests out of the count. */
    private void settle(TestIdentifier id) {
        openTemplates.remove(id.getUniqueId());
        announced.remove(id.getUniqueId());
        if (id.isTest()) {
            if (pending.remove(id.getUniqueId())) {
                done++;
            }
            return;
        }
        if (plan != null) {
            for (TestIdentifier d : plan.getDescendants(id)) {
                pending.remove(d.getUniqueId());
                openTemplates.remove(d.getUniqueId());
            }
        }
    }

    // A test template (a matrix scenario, a parameterized test) or a test factory: a container of a method.
    private static boolean isTemplate(TestIdentifier id) {
        return id.isContainer() && id.getSource().filter(MethodSource.class::isInstance).isPresent();
    }

    /** Prints the final {@code N passed, N failed, N skipped} line. */
    synchronized void printSummary() {
        emit(String.format(Locale.ROOT, "%d passed, %d failed, %d skipped", passed, failed, skipped));
    }

    /** True when no scenario passed or failed: an empty or fully skipped run proves nothing. */
    synchronized boolean noneRan() {
        return passed + failed == 0;
    }

    /** 0 only when nothing failed and at least one scenario passed; 1 otherwise. */
    synchronized int exitCode() {
        return failed == 0 && !noneRan() ? 0 : 1;
    }

    private void print(String verdict, TestIdentifier id, String duration, String reason) {
        StringBuilder line = new StringBuilder(verdict).append("  ").append(name(id));
        if (duration != null) {
            line.append("  ").append(duration);
        }
        if (reason != null && !reason.isBlank()) {
            line.append(" — ").append(reason);
        }
        emit(line.toString());
    }

    private void emit(String line) {
        out.println(line);
        out.flush();
    }

    /**
     * The scenario's display name, prefixed by the scenario it is an invocation of, so that a matrix entry
     * such as {@code [swtpm | ecc-p256]} still says which behaviour it checks.
     */
    private String name(TestIdentifier id) {
        String name = id.getDisplayName();
        if (plan == null) {
            return name;
        }
        for (TestIdentifier parent = plan.getParent(id).orElse(null);
                parent != null && parent.getSource().filter(MethodSource.class::isInstance).isPresent();
                parent = plan.getParent(parent).orElse(null)) {
            name = parent.getDisplayName() + " " + name;
        }
        return name;
    }

    // JUnit prefixes every assumption's message; the reason is what follows.
    private static String withoutAssumptionPrefix(String reason) {
        String prefix = "Assumption failed: ";
        return reason != null && reason.startsWith(prefix) ? reason.substring(prefix.length()) : reason;
    }

    /** The first line of the failure's message: the console gets one line per scenario. */
    private static String reason(TestExecutionResult result) {
        return result
                .getThrowable()
                .map(
                        t -> {
                            String message = t.getMessage();
                            if (message == null || message.isBlank()) {
                                return t.getClass().getSimpleName();
                            }
                            String firstLine = message.strip().lines().findFirst().orElse("");
                            return firstLine.length() > 200 ? firstLine.substring(0, 199) + "…" : firstLine;
                        })
                .orElse(null);
    }
}
