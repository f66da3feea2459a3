package org.tpmssh.harness;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.tpmssh.harness.Combination.Axis;

/**
 * The run's choice of matrix values, read from JUnit configuration parameters (which include system
 * properties): {@code tpmssh.backend}, {@code tpmssh.stack}, {@code tpmssh.server}, {@code tpmssh.client},
 * {@code tpmssh.keys}, {@code tpmssh.origins} (comma lists, or {@code all}) and {@code tpmssh.scenarios}
 * (substrings of a scenario's class or method name). Unset axes take {@link #DEFAULTS}: a modest matrix that
 * keeps {@code mvn verify} short.
 */
public record MatrixFilter(Map<Axis, List<String>> chosen, List<String> scenarios) {

    public static final String SCENARIOS = "tpmssh.scenarios";
    public static final String ALLOW_LAB_WRITES = "tpmssh.allowLabWrites";
    public static final String TCTI = "tpmssh.tcti";

    /** The default run: both swtpm transports, the absent backends as skips, both key families' defaults. */
    public static final Map<Axis, List<String>> DEFAULTS = Map.of(
            Axis.BACKEND, List.of("swtpm-tcp", "swtpm-unix", "mssim", "device", "container"),
            Axis.STACK, List.of("java"),
            Axis.SERVER, List.of("openssh", "mina"),
            Axis.CLIENT, List.of("ssh-agent"),
            Axis.KEY, List.of("ecc-p256", "rsa-2048"),
            Axis.ORIGIN, List.of("created", "imported", "pinless"));

    public static MatrixFilter read(Function<String, Optional<String>> parameters) {
        Map<Axis, List<String>> chosen = new java.util.EnumMap<>(Axis.class);
        for (Axis axis : Axis.values()) {
            Optional<String> raw = parameters.apply(axis.property()).filter(s -> !s.isBlank());
            List<String> values = raw.map(MatrixFilter::split).orElse(DEFAULTS.get(axis));
            if (values.equals(List.of("all"))) {
                values = axis.known().isEmpty() ? StackAdapters.BUILT_IN : axis.known();
            }
            values.forEach(axis::check);
            chosen.put(axis, values);
        }
        List<String> scenarios = parameters.apply(SCENARIOS).filter(s -> !s.isBlank()).map(MatrixFilter::split)
                .orElse(List.of());
        return new MatrixFilter(Map.copyOf(chosen), scenarios);
    }

    private static List<String> split(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    public boolean allows(Axis axis, String value) {
        return chosen.get(axis).contains(value);
    }

    /** True when no scenario filter is set, or the name contains one of its entries (case-insensitive). */
    public boolean allowsScenario(String name) {
        return scenarios.isEmpty() || scenarios.stream().anyMatch(s -> name.toLowerCase().contains(s.toLowerCase()));
    }
}
