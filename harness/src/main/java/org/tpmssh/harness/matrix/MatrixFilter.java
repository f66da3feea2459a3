package org.tpmssh.harness.matrix;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.tpmssh.axes.Axis;
import org.tpmssh.axes.Combination;
import org.tpmssh.axes.RunProperty;
import org.tpmssh.axes.ScenarioPattern;

/** The run's choice of matrix values and scenarios, read from JUnit configuration parameters (and so system properties). */
public record MatrixFilter(Map<Axis, List<String>> chosen, Optional<ScenarioPattern> scenarios) {

    /** @throws IllegalArgumentException for a value its axis does not know */
    public static MatrixFilter read(Function<String, Optional<String>> parameters) {
        Map<Axis, List<String>> chosen = new EnumMap<>(Axis.class);
        for (Axis axis : Axis.values()) {
            chosen.put(axis, axis.parse(parameters.apply(axis.property())));
        }
        return new MatrixFilter(Map.copyOf(chosen), RunProperty.SCENARIOS.read(parameters).map(ScenarioPattern::parse));
    }

    public boolean allows(Combination combination) {
        return chosen.entrySet().stream().allMatch(e -> e.getValue().contains(combination.label(e.getKey())));
    }

    /** True when no scenario filter is set, or it matches one of a scenario's names (class, method, display). */
    public boolean allowsScenario(String... names) {
        return scenarios.map(p -> p.matchesAny(names)).orElse(true);
    }
}
