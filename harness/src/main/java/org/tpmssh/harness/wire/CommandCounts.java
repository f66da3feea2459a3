package org.tpmssh.harness.wire;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * How many commands of each kind crossed the wire, most frequent first: the per-command-code breakdown the
 * conformance report shows per operation and stack.
 */
public record CommandCounts(Map<String, Integer> byCommand, int total) {

    public CommandCounts {
        byCommand = Collections.unmodifiableMap(new LinkedHashMap<>(byCommand));
    }

    public static CommandCounts of(List<Exchange> exchanges) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Exchange e : exchanges) {
            counts.merge(e.commandName(), 1, Integer::sum);
        }
        Map<String, Integer> ordered = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        return new CommandCounts(ordered, exchanges.size());
    }

    /** How many commands had this name (as {@code CommandCode.name} gives it, e.g. "Sign"). */
    public int count(String commandName) {
        return byCommand.getOrDefault(commandName, 0);
    }

    /** For example {@code 6 commands (1 Load, 1 Sign, ...)}. */
    @Override
    public String toString() {
        return total + (total == 1 ? " command" : " commands") + (byCommand.isEmpty() ? "" : " ("
                + byCommand.entrySet().stream().map(e -> e.getValue() + " " + e.getKey())
                        .collect(Collectors.joining(", ")) + ")");
    }
}
