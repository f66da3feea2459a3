package org.tpmssh.harness.wire;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the harness reports what its wire proxies saw: a no-op until a run installs one ({@code tpmssh conformance}
 * installs one that feeds report.json), as the latency sink does for timings.
 */
public interface WireSink {

    /**
     * One operation of one stack, as it crossed the wire.
     *
     * @param key the key type it used, e.g. {@code ecc-p256}
     * @param order where the operation goes in a table of operations, lowest first
     * @param elapsedNanos wall time from the span's start to its end, as the client saw it
     * @param delays for each command name, whether the chip profile's delay was measured or estimated; empty
     *     without a profile
     */
    record Span(String backend, String stack, String key, String operation, int order, CommandCounts counts,
            long elapsedNanos,
            Map<String, CommandDelay.Basis> delays) {
        public Span {
            delays = Map.copyOf(new TreeMap<>(delays));
        }

        /** A closed operation's record: the command names and the basis of each delay the profile added. */
        public static Span of(String backend, String stack, String key, int order, Operation operation) {
            Map<String, CommandDelay.Basis> delays = new TreeMap<>();
            for (Exchange e : operation.exchanges()) {
                if (e.chipDelay() != null) {
                    // One estimate among a command's exchanges makes that command's figure an estimate.
                    delays.merge(e.commandName(), e.chipDelay().basis(),
                            (a, b) -> a == CommandDelay.Basis.ESTIMATE ? a : b);
                }
            }
            return new Span(backend, stack, key, operation.name(), order, operation.counts(),
                    operation.elapsed().toNanos(), delays);
        }
    }

    /**
     * One stack's traffic scanned for its secrets in clear.
     *
     * @param findingsFail whether a finding fails the run (our stack) or is only reported (another stack)
     * @param controlCaught whether the control run, with a secret planted in clear on the same wire, was caught;
     *     null when none ran
     */
    record Scan(String backend, String stack, int exchanges, long bytes, List<String> secrets,
            List<WireScan.Finding> findings, boolean findingsFail, Boolean controlCaught) {
        public Scan {
            secrets = List.copyOf(secrets);
            findings = List.copyOf(findings);
        }
    }

    /** How a backend's TPM traffic was watched: through a proxy, or why not. */
    record Proxying(String backend, boolean proxied, String note) {
    }

    WireSink NONE = new WireSink() {
        @Override
        public void span(Span span) {
        }
    };

    void span(Span span);

    default void scan(Scan scan) {
    }

    default void proxying(Proxying proxying) {
    }

    static void install(WireSink sink) {
        Holder.current = sink == null ? NONE : sink;
    }

    static WireSink current() {
        return Holder.current;
    }

    /** The installed sink; an interface cannot hold mutable state itself. */
    final class Holder {
        private static volatile WireSink current = NONE;

        private Holder() {
        }
    }
}
