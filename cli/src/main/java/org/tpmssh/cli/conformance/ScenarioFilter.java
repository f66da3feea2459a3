package org.tpmssh.cli.conformance;

import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The {@code --scenarios} selection: a glob or regular expression matched, ignoring case, against scenario, class
 * and suite names.
 */
final class ScenarioFilter implements PostDiscoveryFilter {

    // Characters that only make sense in a regular expression; without them, * and ? are glob wildcards.
    private static final Pattern REGEX_SYNTAX = Pattern.compile("[\\\\^$|+()\\[\\]{}]|\\.[*+?]");

    private final String text;
    private final Pattern pattern;

    ScenarioFilter(String text) {
        this.text = text;
        String regex = REGEX_SYNTAX.matcher(text).find() ? text : globToRegex(text);
        this.pattern = Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
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
        return pattern.matcher(d.getDisplayName()).find()
                || className(d.getSource().orElse(null)).filter(c -> pattern.matcher(c).find()).isPresent();
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

    private static String globToRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
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
