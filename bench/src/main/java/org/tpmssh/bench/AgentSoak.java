package org.tpmssh.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Handles;

/**
 * A bounded soak of our agent: many signatures over one long-lived agent on one swtpm, with the TPM's handle lists
 * (GetCapability) before and after, and the heap after a full GC at intervals. A leak of objects, sessions or memory
 * shows as lists that differ or a heap that climbs. Figures in docs/kill-and-load.md; nothing here is timed.
 *
 * <p>Run: {@code java -Xmx256m -cp bench/target/benchmarks.jar org.tpmssh.bench.AgentSoak [signatures] [interval]}.
 */
public final class AgentSoak {
    private static final Map<String, Integer> RANGES = new LinkedHashMap<>();

    static {
        RANGES.put("transient", Handles.TRANSIENT_FIRST);
        RANGES.put("loaded sessions", 0x02000000);
        RANGES.put("saved sessions", 0x03000000);
    }

    private AgentSoak() {
    }

    /** Heap used after a full GC, in KiB, after {@code signatures} signatures. */
    public record HeapSample(long signatures, long heapKib) {
    }

    /** What the soak saw. */
    public record Result(long signatures, long errors, long unverified, Map<String, List<Integer>> before,
            Map<String, List<Integer>> after, List<HeapSample> heap, Histogram micros, String loadBefore,
            String loadAfter, long seconds) {
        public boolean listsEqual() {
            return before.equals(after);
        }

        public String report() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%d signatures through the agent, %d errors, %d not verified by the"
                    + " JDK, in %d s; p50 %d µs, p95 %d µs, p99 %d µs%n", signatures, errors, unverified, seconds,
                    micros.getValueAtPercentile(50), micros.getValueAtPercentile(95),
                    micros.getValueAtPercentile(99)));
            b.append("handles before: ").append(hex(before)).append('\n');
            b.append("handles after:  ").append(hex(after)).append(listsEqual() ? " (equal)" : " (DIFFERENT)")
                    .append('\n');
            b.append("heap after full GC, KiB, by signatures done:");
            for (HeapSample s : heap) {
                b.append(' ').append(s.signatures()).append('=').append(s.heapKib());
            }
            b.append('\n').append("load average before: ").append(loadBefore).append("; after: ").append(loadAfter)
                    .append('\n');
            return b.toString();
        }

        private static String hex(Map<String, List<Integer>> lists) {
            Map<String, List<String>> m = new LinkedHashMap<>();
            lists.forEach((k, v) -> m.put(k, v.stream().map(Handles::hex).toList()));
            return m.toString();
        }
    }

    /**
     * {@code signatures} sign requests over one connection (a new connection every 1000, as logins open their own),
     * sampling the heap every {@code interval}; every signature is checked by the JDK as it arrives.
     */
    public static Result run(long signatures, long interval) throws Exception {
        String loadBefore = AgentFixture.load();
        long start = System.nanoTime();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        try (AgentFixture f = AgentFixture.start(false)) {
            f.tpm.ring.cache().release(f.baseline.object()); // not part of the soak: only the agent's objects stay
            Map<String, List<Integer>> before = lists(f.tpm.ring.tpm());
            List<HeapSample> heap = new ArrayList<>();
            heap.add(new HeapSample(0, heapKib(memory)));
            Histogram micros = new Histogram(3);
            long errors = 0;
            long unverified = 0;
            AgentFixture.Client c = f.client();
            try {
                for (long i = 1; i <= signatures; i++) {
                    if (i % 1000 == 0) {
                        c.close();
                        c = f.client();
                    }
                    byte[] data = ("soak " + i).getBytes();
                    long t = System.nanoTime();
                    try {
                        byte[] sig = c.sign(data);
                        micros.recordValue((System.nanoTime() - t) / 1000);
                        if (!f.verifies(sig, data)) {
                            unverified++;
                        }
                    } catch (java.io.IOException e) {
                        errors++;
                        c.close();
                        c = f.client();
                    }
                    if (i % interval == 0) {
                        heap.add(new HeapSample(i, heapKib(memory)));
                    }
                }
            } finally {
                c.close();
            }
            Map<String, List<Integer>> after = lists(f.tpm.ring.tpm());
            return new Result(signatures, errors, unverified, before, after, heap, micros, loadBefore,
                    AgentFixture.load(), (System.nanoTime() - start) / 1_000_000_000L);
        }
    }

    /** The handle lists, read on the agent's own connection (swtpm serves one at a time) under its command lock. */
    static Map<String, List<Integer>> lists(Tpm tpm) throws Exception {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> range : RANGES.entrySet()) {
            m.put(range.getKey(), GetCapability.handles(tpm, range.getValue()));
        }
        return m;
    }

    private static long heapKib(MemoryMXBean memory) {
        System.gc();
        System.gc();
        return memory.getHeapMemoryUsage().getUsed() / 1024;
    }

    public static void main(String[] args) throws Exception {
        long signatures = args.length > 0 ? Long.parseLong(args[0]) : 100_000;
        long interval = args.length > 1 ? Long.parseLong(args[1]) : 5_000;
        System.out.print(run(signatures, interval).report());
    }
}
