package org.tpmssh.cli.conformance;

import org.tpmssh.harness.latency.LatencySink;
import org.tpmssh.reports.latency.LatencyRecorder;

/**
 * Feeds the harness's timings into the run's {@link LatencyRecorder} under the reports' operation names, for the
 * duration of a conformance run.
 */
final class RecorderSink implements LatencySink {
    private final LatencyRecorder recorder;

    RecorderSink(LatencyRecorder recorder) {
        this.recorder = recorder;
    }

    @Override
    public void record(String combination, Operation operation, long nanos) {
        recorder.record(combination, name(operation), nanos);
    }

    static String name(Operation operation) {
        switch (operation) {
            case STACK_SIGN:
                return LatencyRecorder.TPM_SIGN;
            case AGENT_SIGN_ROUND_TRIP:
                return LatencyRecorder.AGENT_SIGN;
            case LOGIN:
                return LatencyRecorder.LOGIN;
            case BASELINE_RAW_TPM_SIGN:
                return LatencyRecorder.RAW_TPM_SIGN;
            case BASELINE_FILE_KEY_LOGIN:
                return LatencyRecorder.FILE_KEY_LOGIN;
            default:
                throw new IllegalArgumentException("no report name for " + operation);
        }
    }
}
