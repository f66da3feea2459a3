package org.tpmssh.harness.latency;

/**
 * Where the harness reports its timings: a no-op until a run installs one (tpmssh conformance installs one that
 * feeds the reports' LatencyRecorder).
 */
public interface LatencySink {
    /** The operations timed, with their baselines. */
    enum Operation {
        /** One TPM sign inside the stack (hash + TPM2_Sign + SSH encoding). */
        STACK_SIGN,
        /** One agent sign-request round trip, as the client sees it. */
        AGENT_SIGN_ROUND_TRIP,
        /** One full {@code ssh … true} through the stack, wall time. */
        LOGIN,
        /** Baseline: raw TPM2_Sign over the same transport. */
        BASELINE_RAW_TPM_SIGN,
        /** Baseline: the same login with a plain file key. */
        BASELINE_FILE_KEY_LOGIN
    }

    LatencySink NONE = (combination, operation, nanos) -> { };

    void record(String combination, Operation operation, long nanos);

    static void install(LatencySink sink) {
        Holder.current = sink == null ? NONE : sink;
    }

    static LatencySink current() {
        return Holder.current;
    }

    /** The installed sink; an interface cannot hold mutable state itself. */
    final class Holder {
        private static volatile LatencySink current = NONE;

        private Holder() {
        }
    }
}
