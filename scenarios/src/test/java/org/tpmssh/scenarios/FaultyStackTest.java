package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.RunProperty;
import org.tpmssh.axes.SuiteTags;
import org.tpmssh.harness.matrix.StackAdapters;
import org.tpmssh.harness.stacks.JavaStack;

/**
 * Proves the scenarios catch broken stacks: each row of {@link FaultCatalogue} runs its one scenario method on its
 * one combination against its faulty stack, which must fail saying what was wrong; the correct stack passes the same
 * methods on the same combinations.
 */
@DisplayName("Deliberately broken stacks are caught")
@Tag(FaultyStackTest.TAG)
class FaultyStackTest {
    /** `tpmssh conformance` excludes this tag: it tests the scenarios, not the stack under test. */
    static final String TAG = SuiteTags.FAULTY_STACK;

    static Stream<FaultCatalogue.Row> rows() {
        return FaultCatalogue.ROWS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theNamedScenarioCatchesTheFault(FaultCatalogue.Row row) {
        StackAdapters.register(row.fault().stackName(), id -> new FaultyStack(row.fault(), new JavaStack(id)));
        TestExecutionSummary summary = run(row.fault().stackName(), row.on(), row.scenario(), List.of(row.method()));
        List<String> failures = messages(summary);
        failures.forEach(m -> System.out.println(row + " caught: " + m.lines().findFirst().orElse("")));
        assertThat(summary.getTestsStartedCount()).as("%s ran on %s (skipped: %s)", row.method(), row.on(),
                summary.getTestsSkippedCount()).isPositive();
        assertThat(failures).as("%s against %s must fail", row.method(), row.fault().stackName()).isNotEmpty();
        assertThat(failures).as("every failure names what %s got wrong", row.fault())
                .allSatisfy(m -> assertThat(m).contains(row.reason()));
    }

    @Test
    @DisplayName("every fault has a row, and a fault of the agent's JCA path has a MINA row")
    void everyFaultIsInTheCatalogue() {
        Set<FaultyStack.Fault> listed = FaultCatalogue.ROWS.stream().map(FaultCatalogue.Row::fault)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(FaultyStack.Fault.class)));
        assertThat(listed).containsExactlyInAnyOrder(FaultyStack.Fault.values());
        assertThat(Arrays.stream(FaultyStack.Fault.values()).filter(FaultyStack.Fault::altersSignatures))
                .allSatisfy(f -> assertThat(FaultCatalogue.ROWS).anySatisfy(r -> {
                    assertThat(r.fault()).isEqualTo(f);
                    assertThat(r.on().client()).isEqualTo(org.tpmssh.axes.Client.MINA_JCA);
                }));
    }

    /**
     * A control for the JCA path: the faulty JCA key signs like the real one where its fault does not apply (an
     * RSA hash fault on an ECDSA key), so the MINA rows fail because of their fault, not because of the wrapper.
     */
    @Test
    @DisplayName("the faulty JCA key logs in where its fault does not apply")
    void theFaultyJcaPathLogsInWhereItsFaultDoesNotApply() {
        FaultyStack.Fault fault = FaultyStack.Fault.IGNORES_REQUESTED_RSA_HASH;
        StackAdapters.register(fault.stackName(), id -> new FaultyStack(fault, new JavaStack(id)));
        TestExecutionSummary summary = run(fault.stackName(), new FaultCatalogue.On(org.tpmssh.axes.Client.MINA_JCA,
                org.tpmssh.axes.Server.MINA, org.tpmssh.axes.KeyAlgorithm.ECC_P256, org.tpmssh.axes.Origin.CREATED),
                LoginTest.class, List.of("sshLogsInWithTheTpmKey"));
        assertThat(messages(summary)).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
    }

    static Stream<FaultCatalogue.On> combinations() {
        return FaultCatalogue.ROWS.stream().map(FaultCatalogue.Row::on).distinct();
    }

    @ParameterizedTest(name = "the correct java stack passes the same scenarios on [{0}]")
    @MethodSource("combinations")
    void correctStackPasses(FaultCatalogue.On on) {
        List<FaultCatalogue.Row> rows = FaultCatalogue.ROWS.stream().filter(r -> r.on().equals(on)).toList();
        List<String> methods = rows.stream().map(FaultCatalogue.Row::method).distinct().toList();
        TestExecutionSummary summary = run(JavaStack.NAME, on,
                rows.stream().map(FaultCatalogue.Row::scenario).distinct().toArray(Class<?>[]::new), methods);
        assertThat(messages(summary)).as("failures of the correct stack").isEmpty();
        assertThat(summary.getTestsSucceededCount()).as("scenario methods the correct stack passed (skipped: %s)",
                summary.getTestsSkippedCount()).isEqualTo(methods.size());
    }

    private static List<String> messages(TestExecutionSummary summary) {
        return summary.getFailures().stream()
                .map(f -> f.getTestIdentifier().getDisplayName() + ": " + f.getException().getMessage()).toList();
    }

    private static TestExecutionSummary run(String stack, FaultCatalogue.On on, Class<?> scenario,
            List<String> methods) {
        return run(stack, on, new Class<?>[] {scenario}, methods);
    }

    private static TestExecutionSummary run(String stack, FaultCatalogue.On on, Class<?>[] scenarios,
            List<String> methods) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .configurationParameter(Axis.STACK.property(), stack)
                .configurationParameter(Axis.BACKEND.property(), Backend.SWTPM_TCP.label())
                .configurationParameter(Axis.CLIENT.property(), on.client().label())
                .configurationParameter(Axis.SERVER.property(), on.server().label())
                .configurationParameter(Axis.KEY.property(), on.key().label())
                .configurationParameter(Axis.ORIGIN.property(), on.origin().label())
                .configurationParameter(RunProperty.SCENARIOS.key(), String.join(",", methods))
                // These failures are the point of the test; their sshd logs need not outlive it.
                .configurationParameter(RunProperty.KEEP_FAILURE_LOGS.key(), "false");
        Arrays.stream(scenarios).forEach(c -> request.selectors(selectClass(c)));
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request.build(), listener);
        return listener.getSummary();
    }
}
