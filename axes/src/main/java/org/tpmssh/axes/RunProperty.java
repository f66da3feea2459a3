package org.tpmssh.axes;

import java.util.Optional;
import java.util.function.Function;

/** The run's settings besides the axes, read like them from system properties or JUnit configuration parameters. */
public enum RunProperty {
    /** The scenarios to run, as a {@link ScenarioPattern}; unset runs every scenario. */
    SCENARIOS("tpmssh.scenarios"),
    /** The TCTI of the {@code device} backend; unset, the first TPM device found. */
    TCTI("tpmssh.tcti"),
    /** {@code true} lets a run on a lab TPM make objects persistent (and remove them again). */
    ALLOW_LAB_WRITES("tpmssh.allowLabWrites"),
    /** {@code false} drops the sshd logs of failed tests (for suites that fail on purpose). */
    KEEP_FAILURE_LOGS("tpmssh.keepFailureLogs"),
    /**
     * The chip whose published delays the wire proxy adds to every TPM response (an id from the harness's
     * chip-profiles.json, e.g. {@code slb9670}); unset runs at the simulator's own speed.
     */
    LATENCY_PROFILE("tpmssh.latencyProfile");

    private final String key;

    RunProperty(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** The property's value from {@code parameters} (e.g. a JUnit context's), or empty when unset or blank. */
    public Optional<String> read(Function<String, Optional<String>> parameters) {
        return parameters.apply(key).filter(s -> !s.isBlank());
    }
}
