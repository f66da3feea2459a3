package org.tpmssh.harness.wire;

import java.time.Duration;

/**
 * How long a command takes on a given chip, and how we know: from a published measurement of that very
 * operation, or an estimate derived from one (see docs/tpm-wire.md for each estimate's reasoning).
 *
 * @param source the measured operation the figure comes from, e.g. "ECDSA P-256 sign"
 */
public record CommandDelay(Duration delay, Basis basis, String source) {

    /** Whether a delay was measured for that operation or estimated. */
    public enum Basis { MEASURED, ESTIMATE }

    @Override
    public String toString() {
        return String.format("%.1f ms (%s: %s)", delay.toNanos() / 1e6, basis.name().toLowerCase(), source);
    }
}
