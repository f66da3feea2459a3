package org.tpmssh.harness.matrix;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.opentest4j.TestAbortedException;
import org.tpmssh.axes.Combination;
import org.tpmssh.axes.ReportKeys;
import org.tpmssh.axes.RunProperty;
import org.tpmssh.harness.backends.Backends;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.harness.stacks.StackAdapter;

/**
 * One combination as a JUnit invocation: it publishes the combination, skips it with a reason if it cannot run
 * here, hands the scenario a {@link MatrixRun} (or the {@link Combination}), and closes the run after it.
 */
final class MatrixInvocation implements TestTemplateInvocationContext {
    private final Combination combination;

    MatrixInvocation(Combination combination) {
        this.combination = combination;
    }

    @Override
    public String getDisplayName(int invocationIndex) {
        return combination.displayName();
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
        return List.of(new Lifecycle(combination));
    }

    /** Publishes, skips or prepares one invocation, resolves its parameters and cleans up after it. */
    static final class Lifecycle implements BeforeEachCallback, AfterEachCallback, ParameterResolver {
        private final Combination combination;
        private MatrixRun run;

        Lifecycle(Combination combination) {
            this.combination = combination;
        }

        @Override
        public void beforeEach(ExtensionContext context) throws Exception {
            context.publishReportEntry(combination.reportEntries());
            Optional<StackAdapter> stack = StackAdapters.create(combination.stack(), combination.id());
            Assumptions.assumeTrue(stack.isPresent(), () -> "not built yet: the " + combination.stack() + " stack");
            Map<String, String> stackEntries = stack.get().reportEntries();
            if (!stackEntries.isEmpty()) {
                context.publishReportEntry(stackEntries);
            }
            skipIf(stack.get().unavailable(combination));
            skipIf(Backends.unavailable(combination.backend(), ClassResources.config(context)));
            TpmBackend backend = ClassResources.backend(context, combination.backend());
            skipIf(backend.cannotHold(MatrixRun.keyType(combination.key())));
            run = new MatrixRun(combination, backend, stack.get(), ClassResources.servers(context),
                    Files.createTempDirectory("tpmssh-run-"), context);
        }

        private static void skipIf(Optional<String> reason) {
            Assumptions.assumeTrue(reason.isEmpty(), reason::get);
        }

        @Override
        public void afterEach(ExtensionContext context) {
            // A skip is an exception too; only a real failure keeps and attaches the sshd log.
            boolean failed = context.getExecutionException().filter(e -> !(e instanceof TestAbortedException))
                    .isPresent();
            boolean keepLogs = RunProperty.KEEP_FAILURE_LOGS.read(context::getConfigurationParameter)
                    .map(Boolean::parseBoolean).orElse(true);
            if (failed && keepLogs) {
                ClassResources.existingServers(context).flatMap(ClassServers::keepLogForFailure)
                        .ifPresent(log -> context.publishReportEntry(ReportKeys.SSHD_LOG, log.toString()));
            }
            if (run != null) {
                run.close();
                run = null;
            }
        }

        @Override
        public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
            Class<?> type = p.getParameter().getType();
            return type == MatrixRun.class || type == Combination.class;
        }

        @Override
        public Object resolveParameter(ParameterContext p, ExtensionContext e) {
            return p.getParameter().getType() == Combination.class ? combination : run;
        }
    }
}
