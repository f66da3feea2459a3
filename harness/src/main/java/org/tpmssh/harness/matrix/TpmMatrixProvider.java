package org.tpmssh.harness.matrix;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.tpmssh.axes.AxisValue;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Combination;
import org.tpmssh.axes.KeyAlgorithm;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.ReportKeys;
import org.tpmssh.axes.Server;
import org.tpmssh.axes.Axis;

/** Expands a {@link TpmMatrix} scenario into one {@link MatrixInvocation} per combination the run's filter allows. */
public final class TpmMatrixProvider implements TestTemplateInvocationContextProvider {

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
        MatrixFilter filter = MatrixFilter.read(context::getConfigurationParameter);
        // The names `tpmssh conformance --scenarios` matched at discovery: so a scenario it chose is never dropped here.
        if (!filter.allowsScenario(context.getRequiredTestClass().getName() + "#" + method.getName(),
                context.getDisplayName(), context.getParent().map(ExtensionContext::getDisplayName).orElse(null))) {
            return Stream.empty();
        }
        List<Combination> combinations = combinations(method.getAnnotation(TpmMatrix.class), filter);
        // Lets `tpmssh conformance` show an exact remaining count before the first invocation runs.
        context.publishReportEntry(ReportKeys.INVOCATIONS, Integer.toString(combinations.size()));
        return combinations.stream().map(MatrixInvocation::new);
    }

    /** The cross product of the values the scenario applies to, in declaration order, that the filter allows. */
    static List<Combination> combinations(TpmMatrix m, MatrixFilter f) {
        List<Combination> out = new ArrayList<>();
        for (Backend backend : AxisValue.applicable(m.backends(), Backend.values())) {
            for (String stack : f.chosen().get(Axis.STACK)) {
                for (Server server : AxisValue.applicable(m.servers(), Server.values())) {
                    for (Client client : AxisValue.applicable(m.clients(), Client.values())) {
                        for (KeyAlgorithm key : AxisValue.applicable(m.keys(), KeyAlgorithm.values())) {
                            for (Origin origin : AxisValue.applicable(m.origins(), Origin.values())) {
                                Combination c = new Combination(backend, stack, server, client, key, origin);
                                if (f.allows(c)) {
                                    out.add(c);
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
