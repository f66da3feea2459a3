package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.RunProperty;
import org.tpmssh.axes.Server;
import org.tpmssh.axes.SuiteTags;
import org.tpmssh.harness.matrix.StackAdapters;
import org.tpmssh.harness.stacks.JavaStack;

/**
 * Proves the scenarios catch broken stacks: against each {@link FaultyStack}, at least one real scenario fails
 * saying what was wrong.
 */
@DisplayName("Deliberately broken stacks are caught")
@Tag(FaultyStackTest.TAG)
class FaultyStackTest {
    /** `tpmssh conformance` excludes this tag: it tests the scenarios, not the stack under test. */
    static final String TAG = SuiteTags.FAULTY_STACK;


    private static final List<Class<?>> SCENARIOS = List.of(LoginTest.class, RsaSignatureAlgorithmsTest.class,
            WrongPinTest.class, SshSigRoundTripTest.class);

    /** What a failure must say for each fault, and the key type that exposes it. */
    private static final Map<FaultyStack.Fault, String[]> EXPECT = Map.of(
            FaultyStack.Fault.SIGNS_WRONG_DATA,
            new String[] {"ecc-p256", "signature did not verify with the key in authorized_keys"},
            FaultyStack.Fault.RAW_R_S_ENCODING,
            new String[] {"ecc-p256", "signature did not verify with the key in authorized_keys"},
            FaultyStack.Fault.WRONG_HASH_FOR_RSA_SHA2_512,
            new String[] {"rsa-2048", "rsa-sha2-512 signature did not verify"},
            FaultyStack.Fault.IGNORES_PIN,
            new String[] {"ecc-p256", "a wrong PIN was accepted"},
            FaultyStack.Fault.REPORTS_DIFFERENT_PUBLIC_KEY,
            new String[] {"ecc-p256", "signature did not verify with the key in authorized_keys"},
            FaultyStack.Fault.SIGNS_WITH_SOFTWARE_COPY,
            new String[] {"ecc-p256", "the TPM signed the login: TPM2_Sign"});

    @ParameterizedTest(name = "{0} is caught")
    @EnumSource(FaultyStack.Fault.class)
    void faultIsCaught(FaultyStack.Fault fault) {
        StackAdapters.register(fault.stackName(), id -> new FaultyStack(fault, new JavaStack(id)));
        String[] expect = EXPECT.get(fault);
        TestExecutionSummary summary = run(fault.stackName(), expect[0]);

        List<String> messages = summary.getFailures().stream()
                .map(f -> f.getTestIdentifier().getDisplayName() + ": " + f.getException().getMessage())
                .toList();
        assertThat(summary.getTestsSucceededCount() + summary.getTestsFailedCount())
                .as("scenarios that ran against %s", fault.stackName()).isPositive();
        assertThat(messages).as("failures of the scenarios against %s", fault.stackName()).isNotEmpty();
        assertThat(messages).as("a failure naming what %s got wrong; got:%n%s", fault,
                messages.stream().collect(Collectors.joining("\n---\n")))
                .anySatisfy(m -> assertThat(m).contains(expect[1]));
    }

    @ParameterizedTest(name = "the correct java stack passes the same scenarios with {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"ecc-p256", "rsa-2048"})
    void correctStackPasses(String key) {
        TestExecutionSummary summary = run(JavaStack.NAME, key);
        assertThat(summary.getFailures()).as("failures of the correct stack: %s", summary.getFailures().stream()
                .map(f -> f.getException().getMessage()).toList()).isEmpty();
        assertThat(summary.getTestsSucceededCount()).isPositive();
    }

    private static TestExecutionSummary run(String stack, String key) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .configurationParameter(Axis.STACK.property(), stack)
                .configurationParameter(Axis.BACKEND.property(), Backend.SWTPM_TCP.label())
                .configurationParameter(Axis.SERVER.property(), Server.OPENSSH.label())
                .configurationParameter(Axis.KEY.property(), key)
                .configurationParameter(Axis.ORIGIN.property(), Origin.CREATED.label())
                // These failures are the point of the test; their sshd logs need not outlive it.
                .configurationParameter(RunProperty.KEEP_FAILURE_LOGS.key(), "false");
        SCENARIOS.forEach(c -> request.selectors(selectClass(c)));
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request.build(), listener);
        return listener.getSummary();
    }
}
