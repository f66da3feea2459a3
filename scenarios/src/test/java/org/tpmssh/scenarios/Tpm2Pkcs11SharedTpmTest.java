package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.SuiteTags;
import org.tpmssh.harness.backends.Backends;
import org.tpmssh.harness.tpm2pkcs11.Tpm2Pkcs11Stack;

/**
 * The tpm2-pkcs11 stack's security rows, so that {@code mvn verify} covers them without the whole stack in every
 * scenario's default run: wrong PIN, lockout and restart run on {@code swtpm-abrmd}, where the stack shares the
 * run's TPM, and pass; on {@code swtpm-tcp}, where it runs on a companion swtpm, they are skipped with that reason.
 */
@DisplayName("The system tpm2-pkcs11 stack on the run's own TPM")
@Tag(SuiteTags.SELF_CHECK)
class Tpm2Pkcs11SharedTpmTest {

    @Test
    @DisplayName("wrong PIN, lockout and restart pass on swtpm-abrmd and are skipped, with the reason, on swtpm-tcp")
    void theSecurityRowsRunWhereTheStackSharesTheRunsTpm() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Backends.unavailable(Backend.SWTPM_ABRMD, Backends.Config.none()).isEmpty(),
                () -> Backends.unavailable(Backend.SWTPM_ABRMD, Backends.Config.none()).orElse(""));
        Map<String, String> shared = run(Backend.SWTPM_ABRMD);
        // wrong PIN: created (imported keys are left to a conformance run); lockout: one per backend; restart:
        // created and pin-less.
        assertThat(shared).as(table(shared)).hasSize(4).allSatisfy((name, outcome) -> assertThat(outcome)
                .as(name).isEqualTo("SUCCESSFUL"));

        Map<String, String> companion = run(Backend.SWTPM_TCP);
        assertThat(companion).as(table(companion)).hasSize(4).allSatisfy((name, outcome) -> assertThat(outcome)
                .as(name).startsWith("SKIPPED: ").contains("companion swtpm").contains(Backend.SWTPM_ABRMD.label()));
    }

    private static Map<String, String> run(Backend backend) {
        Map<String, String> outcomes = new ConcurrentHashMap<>();
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .configurationParameter(Axis.STACK.property(), Tpm2Pkcs11Stack.NAME)
                .configurationParameter(Axis.BACKEND.property(), backend.label())
                .configurationParameter(Axis.SERVER.property(), "openssh")
                .configurationParameter(Axis.KEY.property(), "ecc-p256")
                .configurationParameter(Axis.ORIGIN.property(), "created,pinless")
                .selectors(selectClass(WrongPinTest.class), selectClass(LockoutTest.class),
                        selectClass(RestartTest.class));
        LauncherFactory.create().execute(request.build(), new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (id.isTest()) {
                    outcomes.put(name(id), result.getStatus() == TestExecutionResult.Status.ABORTED
                            ? "SKIPPED: " + result.getThrowable().map(Throwable::getMessage).orElse("")
                            : result.getStatus() + result.getThrowable().map(t -> ": " + t.getMessage()).orElse(""));
                }
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                outcomes.put(name(id), "SKIPPED: " + reason);
            }
        });
        return outcomes;
    }

    /** The scenario class and the combination: display names repeat from class to class. */
    private static String name(TestIdentifier id) {
        return id.getSource().filter(MethodSource.class::isInstance).map(s -> ((MethodSource) s).getClassName()
                .replace("org.tpmssh.scenarios.", "") + " ").orElse("") + id.getDisplayName();
    }

    private static String table(Map<String, String> outcomes) {
        return outcomes.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining("\n"));
    }
}
