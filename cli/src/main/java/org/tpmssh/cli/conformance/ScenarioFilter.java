package org.tpmssh.cli.conformance;

import java.util.Optional;
import java.util.regex.PatternSyntaxException;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.tpmssh.axes.ScenarioPattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The {@code --scenarios} selection ({@link ScenarioPattern}) applied to scenario, class and suite names. */
final class ScenarioFilter implements PostDiscoveryFilter {

    private final String text;
    private final ScenarioPattern pattern;

    ScenarioFilter(String text) {
        this.text = text;
        this.pattern = ScenarioPattern.parse(text);
    }

    @Override
    public FilterResult apply(TestDescriptor descriptor) {
        // The platform asks about leaves only; a match on an enclosing suite selects all of it.
        for (Optional<TestDescriptor> d = Optional.of(descriptor); d.isPresent(); d = d.get().getParent()) {
            if (matches(d.get())) {
                return FilterResult.included("matches " + text);
            }
        }
        return FilterResult.excluded("does not match " + text);
    }

    private boolean matches(TestDescriptor d) {
        return pattern.matchesAny(d.getDisplayName(), className(d.getSource().orElse(null)).orElse(null));
    }

    private static Optional<String> className(TestSource source) {
        if (source instanceof ClassSource) {
            return Optional.of(((ClassSource) source).getClassName());
        }
        if (source instanceof MethodSource) {
            return Optional.of(((MethodSource) source).getClassName());
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return text;
    }

    /** Lets picocli report a broken pattern as a usage error, with the regex engine's own explanation. */
    static final class Converter implements ITypeConverter<ScenarioFilter> {
        @Override
        public ScenarioFilter convert(String value) {
            if (value.isBlank()) {
                throw new TypeConversionException("the pattern is empty");
            }
            try {
                return new ScenarioFilter(value);
            } catch (PatternSyntaxException e) {
                throw new TypeConversionException(
                        "'" + value + "' is not a valid pattern: " + e.getDescription());
            }
        }
    }
}
