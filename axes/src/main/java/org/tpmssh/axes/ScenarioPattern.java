package org.tpmssh.axes;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The one reading of a scenario selection ({@code tpmssh.scenarios}, {@code tpmssh conformance --scenarios}):
 * a regular expression, or else comma-separated globs, any of which may match any part of a name, ignoring case.
 */
public final class ScenarioPattern {
    // Characters that only make sense in a regular expression; without them, * and ? are glob wildcards.
    private static final Pattern REGEX_SYNTAX = Pattern.compile("[\\\\^$|+()\\[\\]{}]|\\.[*+?]");

    private final String text;
    private final List<Pattern> patterns;

    private ScenarioPattern(String text, List<Pattern> patterns) {
        this.text = text;
        this.patterns = patterns;
    }

    /** @throws PatternSyntaxException for a regular expression that does not compile */
    public static ScenarioPattern parse(String text) {
        List<String> regexes = REGEX_SYNTAX.matcher(text).find() ? List.of(text)
                : Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                        .map(ScenarioPattern::globToRegex).toList();
        return new ScenarioPattern(text, regexes.stream()
                .map(r -> Pattern.compile(r, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE)).toList());
    }

    /** True when any of {@code names} (a class name, a method name, a display name) matches. */
    public boolean matchesAny(String... names) {
        return Arrays.stream(names).anyMatch(n -> n != null && patterns.stream().anyMatch(p -> p.matcher(n).find()));
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
}
