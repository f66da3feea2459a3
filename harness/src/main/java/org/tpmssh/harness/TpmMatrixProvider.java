package org.tpmssh.harness;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.tpmssh.harness.Combination.Axis;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.tpm.TpmInfo;
import org.tpmssh.tpm.structures.Alg;

/**
 * Expands a {@link TpmMatrix} scenario into one invocation per allowed combination. Before each it publishes
 * the combination's report entries, skips it with a reason if it cannot run here, and otherwise hands the
 * scenario a {@link MatrixRun} on a backend shared by the test class (started once per class and backend,
 * stopped and reaped with the class).
 */
public final class TpmMatrixProvider implements TestTemplateInvocationContextProvider {
    /** The report entry that announces how many invocations a matrix scenario will run. */
    public static final String INVOCATIONS = "tpmssh.matrix.invocations";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(TpmMatrixProvider.class);


    @Override
    public boolean supportsTestTemplate(ExtensionContext context) {
        return context.getTestMethod().map(m -> m.isAnnotationPresent(TpmMatrix.class)).orElse(false);
    }

    /** A filter may leave a scenario nothing to run (e.g. RSA algorithms with only ECC keys); that is no error. */
    @Override
    public boolean mayReturnZeroTestTemplateInvocationContexts(ExtensionContext context) {
        return true;
    }

    @Override
    public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
        Method method = context.getRequiredTestMethod();
        TpmMatrix matrix = method.getAnnotation(TpmMatrix.class);
        MatrixFilter filter = MatrixFilter.read(context::getConfigurationParameter);
        String scenario = context.getRequiredTestClass().getName() + "#" + method.getName();
        if (!filter.allowsScenario(scenario)) {
            return Stream.empty();
        }
        List<Combination> combinations = combinations(matrix, filter);
        // Lets `tpmssh conformance` show an exact remaining count before the first invocation runs.
        context.publishReportEntry(INVOCATIONS, Integer.toString(combinations.size()));
        return combinations.stream().map(Invocation::new);
    }

    /** The cross product of the annotation's values, in its order, keeping only those the filter allows. */
    static List<Combination> combinations(TpmMatrix m, MatrixFilter f) {
        List<Combination> out = new ArrayList<>();
        for (String backend : m.backends()) {
            for (String stack : m.stacks().length == 1 && m.stacks()[0].equals("java")
                    ? f.chosen().get(Axis.STACK).toArray(String[]::new) : m.stacks()) {
                for (String server : m.servers()) {
                    for (String client : m.clients()) {
                        for (String key : m.keys()) {
                            for (String origin : m.origins()) {
                                if (f.allows(Axis.BACKEND, backend) && f.allows(Axis.STACK, stack)
                                        && f.allows(Axis.SERVER, server) && f.allows(Axis.CLIENT, client)
                                        && f.allows(Axis.KEY, key) && f.allows(Axis.ORIGIN, origin)) {
                                    out.add(new Combination(backend, stack, server, client, key, origin));
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Why this TPM cannot hold the key type, or empty. */
    static Optional<String> keyUnsupported(TpmInfo info, KeyType type) {
        String label = type.label();
        if (label.startsWith("ecc-")) {
            int curve = switch (type) {
                case ECC_P256 -> Alg.ECC_NIST_P256;
                case ECC_P384 -> Alg.ECC_NIST_P384;
                default -> Alg.ECC_NIST_P521;
            };
            return info.eccCurves().contains(curve) ? Optional.empty()
                    : Optional.of("this TPM (" + info.manufacturer() + ") does not list curve " + label);
        }
        return info.algorithms().contains(Alg.RSA) ? Optional.empty()
                : Optional.of("this TPM (" + info.manufacturer() + ") does not implement RSA");
    }

    /** The class-level context: backends and servers live there, so every invocation of the class shares them. */
    static ExtensionContext classContext(ExtensionContext context) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        return c;
    }

    /** {@code tpmssh.keepFailureLogs=false} drops the sshd logs of failed tests (the faulty-stack test fails on purpose). */
    static boolean keepFailureLogs(ExtensionContext context) {
        return context.getConfigurationParameter("tpmssh.keepFailureLogs").map(Boolean::parseBoolean).orElse(true);
    }

    static Backends.Config config(ExtensionContext context) {
        return new Backends.Config(context.getConfigurationParameter(MatrixFilter.TCTI).filter(s -> !s.isBlank()),
                context.getConfigurationParameter(MatrixFilter.ALLOW_LAB_WRITES).map(Boolean::parseBoolean)
                        .orElse(false));
    }

    /** A started backend in the class store; its close() stops it and, for a device, checks the lab guard. */
    static final class BackendResource implements ExtensionContext.Store.CloseableResource {
        final TpmBackend backend;

        BackendResource(TpmBackend backend) {
            this.backend = backend;
        }

        @Override
        public void close() throws Exception {
            backend.close();
        }
    }

    /** A backend that failed to start: every invocation on it fails with the same cause, without retrying. */
    record BackendFailure(Exception cause) {
    }

    private static TpmBackend backend(ExtensionContext context, String name) throws Exception {
        ExtensionContext.Store store = classContext(context).getStore(NS);
        Object held = store.getOrComputeIfAbsent("backend:" + name, k -> {
            try {
                TpmBackend b = Backends.start(name, config(context));
                TpmInfo info = b.info();
                context.publishReportEntry(Map.of(
                        "tpmssh.backend", name,
                        "tpmssh.tpm.manufacturer", info.manufacturer() + (info.vendorString().isEmpty() ? ""
                                : " (" + info.vendorString() + ")"),
                        "tpmssh.tpm.firmware", info.firmwareVersion(),
                        "tpmssh.tpm.spec", info.specRevision()));
                return new BackendResource(b);
            } catch (Exception e) {
                return new BackendFailure(e);
            }
        });
        if (held instanceof BackendFailure f) {
            throw f.cause();
        }
        return ((BackendResource) held).backend;
    }

    private static ClassServers servers(ExtensionContext context) {
        return classContext(context).getStore(NS).getOrComputeIfAbsent(ClassServers.class, k -> {
            try {
                return new ClassServers();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot create a directory for the test servers", e);
            }
        }, ClassServers.class);
    }

    /** One combination as a JUnit invocation. */
    static final class Invocation implements TestTemplateInvocationContext {
        private final Combination combination;

        Invocation(Combination combination) {
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
            context.publishReportEntry(Map.of(
                    "tpmssh.combination", combination.id(),
                    "tpmssh.backend", combination.backend(),
                    "tpmssh.stack", combination.stack(),
                    "tpmssh.server", combination.server(),
                    "tpmssh.client", combination.client(),
                    "tpmssh.key", combination.key(),
                    "tpmssh.origin", combination.origin()));
            Optional<StackAdapter> stack = StackAdapters.create(combination.stack(), combination.id());
            Assumptions.assumeTrue(stack.isPresent(), () -> "not built yet: the " + combination.stack() + " stack");
            Map<String, String> stackEntries = stack.get().reportEntries();
            if (!stackEntries.isEmpty()) {
                context.publishReportEntry(stackEntries);
            }
            skipIf(stack.get().unavailable(combination));
            skipIf(Backends.unavailable(combination.backend(), config(context)));
            TpmBackend backend = backend(context, combination.backend());
            skipIf(keyUnsupported(backend.info(), combination.keyType()));
            run = new MatrixRun(combination, backend, stack.get(), servers(context),
                    Files.createTempDirectory("tpmssh-run-"), context);
        }

        private static void skipIf(Optional<String> reason) {
            Assumptions.assumeTrue(reason.isEmpty(), reason::get);
        }

        @Override
        public void afterEach(ExtensionContext context) {
            // A skip is an exception too; only a real failure keeps and attaches the sshd log.
            boolean failed = context.getExecutionException()
                    .filter(e -> !(e instanceof org.opentest4j.TestAbortedException)).isPresent();
            ClassServers servers = classContext(context).getStore(NS).get(ClassServers.class, ClassServers.class);
            if (failed && servers != null && keepFailureLogs(context)) {
                servers.keepLogForFailure().ifPresent(log ->
                        context.publishReportEntry("tpmssh.attachment.sshd-log", log.toString()));
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
