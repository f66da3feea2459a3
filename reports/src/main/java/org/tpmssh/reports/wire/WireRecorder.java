package org.tpmssh.reports.wire;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.HdrHistogram.Histogram;
import org.tpmssh.reports.model.WireReport;

/**
 * Collects what the wire proxies saw during a run, from any thread: each operation's commands and wall time, the
 * secret scans and which backends were proxied, and turns them into the report's {@link WireReport}.
 */
public final class WireRecorder {
    /**
     * One operation as it crossed the wire once.
     *
     * @param byCommand how many commands of each name, most frequent first
     * @param delayBasis for each command name, {@link WireReport#MEASURED} or {@link WireReport#ESTIMATED}; empty without a profile
     */
    public record Sample(String stack, String operation, int order, String key, Map<String, Integer> byCommand,
            int total, long elapsedNanos, Map<String, String> delayBasis) {
        public Sample {
            Objects.requireNonNull(stack, "stack");
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(key, "key");
            byCommand = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byCommand));
            delayBasis = Map.copyOf(delayBasis);
        }
    }

    private record Key(String stack, String operation, String key) {}

    /** The samples of one operation: a histogram of their wall times and how often each breakdown occurred. */
    private static final class Samples {
        final int order;
        final Histogram elapsed = new Histogram(3);
        final Map<Integer, Map<String, Integer>> breakdowns = new LinkedHashMap<>();
        final Map<Integer, Integer> frequency = new LinkedHashMap<>();
        final Map<String, String> basis = new java.util.TreeMap<>();

        Samples(int order) {
            this.order = order;
        }
    }

    private final Map<Key, Samples> operations = new ConcurrentHashMap<>();
    private final List<WireReport.SecretScan> scans = new ArrayList<>();
    private final Map<String, WireReport.Proxying> backends = new LinkedHashMap<>();

    public void record(Sample s) {
        Samples into = operations.computeIfAbsent(new Key(s.stack(), s.operation(), s.key()),
                k -> new Samples(s.order()));
        synchronized (into) {
            into.elapsed.recordValue(Math.max(0, s.elapsedNanos()));
            into.breakdowns.putIfAbsent(s.total(), s.byCommand());
            into.frequency.merge(s.total(), 1, Integer::sum);
            s.delayBasis().forEach((command, basis) -> into.basis.merge(command, basis,
                    (a, b) -> WireReport.ESTIMATED.equals(a) ? a : b));
        }
    }

    public synchronized void scan(WireReport.SecretScan scan) {
        scans.add(scan);
    }

    /** Records how a backend was watched; the first word on a backend stands. */
    public synchronized void proxying(WireReport.Proxying proxying) {
        backends.putIfAbsent(proxying.backend(), proxying);
    }

    /** Drops everything, so that one JVM can hold several runs one after another. */
    public synchronized void reset() {
        operations.clear();
        scans.clear();
        backends.clear();
    }

    /**
     * The run's wire figures, operations in table order (operation, then stack, then key); null when no backend
     * reported how it was watched, i.e. nothing ran on a TPM.
     */
    public synchronized WireReport snapshot(WireReport.ChipProfile profile) {
        if (backends.isEmpty() && operations.isEmpty() && scans.isEmpty()) {
            return null;
        }
        List<WireReport.OperationCount> rows = new ArrayList<>();
        operations.forEach((k, s) -> {
            synchronized (s) {
                int typical = s.frequency.entrySet().stream()
                        .max(Map.Entry.<Integer, Integer>comparingByValue()
                                .thenComparing(Map.Entry.comparingByKey(Comparator.reverseOrder())))
                        .orElseThrow().getKey();
                rows.add(new WireReport.OperationCount(k.stack(), k.operation(), s.order, k.key(),
                        (int) s.elapsed.getTotalCount(), typical,
                        s.frequency.keySet().stream().mapToInt(Integer::intValue).min().orElse(typical),
                        s.frequency.keySet().stream().mapToInt(Integer::intValue).max().orElse(typical),
                        s.breakdowns.get(typical), s.elapsed.getValueAtPercentile(50),
                        s.elapsed.getValueAtPercentile(95), s.elapsed.getValueAtPercentile(99), s.basis));
            }
        });
        rows.sort(Comparator.comparingInt(WireReport.OperationCount::order)
                .thenComparing(WireReport.OperationCount::operation)
                .thenComparing(WireReport.OperationCount::stack)
                .thenComparing(WireReport.OperationCount::key));
        return new WireReport(new ArrayList<>(backends.values()), profile, rows, scans);
    }
}
