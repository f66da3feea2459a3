package org.tpmssh.axes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The axes of the conformance matrix, each with the property that filters it, its values and its defaults;
 * a new value is added to its axis's enum and nowhere else.
 */
public enum Axis {
    BACKEND("tpmssh.backend", Backend.values()),
    /** Open: stacks registered at run time (the test-only faulty ones) are values too. */
    STACK("tpmssh.stack", BuiltInStack.values()),
    SERVER("tpmssh.server", Server.values()),
    CLIENT("tpmssh.client", Client.values()),
    KEY("tpmssh.keys", KeyAlgorithm.values()),
    ORIGIN("tpmssh.origins", Origin.values());

    /** The filter value that stands for every known value of an axis. */
    public static final String ALL = "all";

    private final String property;
    private final List<AxisValue> values;

    Axis(String property, AxisValue[] values) {
        this.property = property;
        this.values = List.of(values);
    }

    /** The system property or JUnit configuration parameter that filters this axis: a comma list or {@code all}. */
    public String property() {
        return property;
    }

    /** {@code backend}, {@code key}: how messages and report.json name the axis. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The report entry under which a combination publishes its value, e.g. {@code tpmssh.key}. */
    public String reportKey() {
        return ReportKeys.PREFIX + label();
    }

    /** Every known value's label, in declaration order. */
    public List<String> known() {
        return values.stream().map(AxisValue::label).toList();
    }

    /**
     * The families of this axis's values, each with the values its name stands for in a filter: all its members (e.g.
     * {@code container}: {@code container-host, container-testing}).
     */
    public Map<String, List<String>> families() {
        Map<String, List<String>> families = new LinkedHashMap<>();
        for (AxisValue v : values) {
            v.family().ifPresent(f -> families.computeIfAbsent(f, k -> new ArrayList<>()).add(v.label()));
        }
        families.replaceAll((f, members) -> List.copyOf(members));
        return families;
    }

    /** What a filter may name: every value, then every family. */
    public List<String> choices() {
        List<String> choices = new ArrayList<>(known());
        choices.addAll(families().keySet());
        return List.copyOf(choices);
    }

    /** The values a run takes when the filter is not set. */
    public List<String> defaults() {
        return values.stream().filter(v -> v.use() == AxisValue.Use.DEFAULT).map(AxisValue::label).toList();
    }

    /**
     * The values a filter chooses: a comma list of values and families (each standing for its members), {@code all}
     * for every known value, or, when absent or blank, {@link #defaults()}.
     *
     * @throws IllegalArgumentException naming the first unknown value and the known ones
     */
    public List<String> parse(Optional<String> filter) {
        List<String> chosen = filter.filter(s -> !s.isBlank()).map(Axis::split).orElse(defaults());
        if (chosen.equals(List.of(ALL))) {
            return known();
        }
        List<String> values = new ArrayList<>();
        for (String entry : chosen) {
            for (String value : families().getOrDefault(entry, List.of(entry))) {
                check(value);
                if (!values.contains(value)) {
                    values.add(value);
                }
            }
        }
        return List.copyOf(values);
    }

    /** Checks {@code value} is known; the stack axis takes any name, since stacks may register later. */
    public void check(String value) {
        if (this != STACK && !known().contains(value)) {
            throw new IllegalArgumentException("unknown " + label() + " \"" + value + "\"; choose one of "
                    + String.join(", ", choices()));
        }
    }

    /** A comma list's entries, trimmed, without empty ones. */
    public static List<String> split(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }
}
