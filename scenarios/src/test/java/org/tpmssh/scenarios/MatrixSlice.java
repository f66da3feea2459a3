package org.tpmssh.scenarios;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * One slice of the matrix run through a nested Launcher, for the self-checks that put a row of opt-in values into
 * {@code mvn verify}: the summary, and each invocation's outcome by display name for the assertion messages.
 */
record MatrixSlice(TestExecutionSummary summary, Map<String, String> outcomes) {

    /** Runs {@code scenarios} with {@code configuration} (axis properties and their values). */
    static MatrixSlice run(Map<String, String> configuration, Class<?>... scenarios) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .configurationParameters(configuration);
        for (Class<?> c : scenarios) {
            request.selectors(selectClass(c));
        }
        Map<String, String> outcomes = new ConcurrentHashMap<>();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        TestExecutionListener outcome = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    outcomes.put(id.getDisplayName(), result.getStatus().toString());
                }
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                outcomes.put(id.getDisplayName(), "SKIPPED: " + reason);
            }
        };
        LauncherFactory.create().execute(request.build(), listener, outcome);
        return new MatrixSlice(listener.getSummary(), Map.copyOf(outcomes));
    }

    /** Every invocation and its outcome, one a line, sorted. */
    String report() {
        return outcomes.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("\n"));
    }

    /** Each failure's display name and message. */
    String failures() {
        return summary.getFailures().stream().map(f -> f.getTestIdentifier().getDisplayName() + ": "
                + f.getException().getMessage()).collect(Collectors.joining("\n---\n"));
    }
}
