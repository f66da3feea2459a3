package org.tpmssh.reports.model;

import java.util.List;

/**
 * The latency of one operation under one combination, in nanoseconds, with its baseline beside it.
 *
 * @param baseline the operation that serves as this one's baseline (e.g. {@code raw-tpm-sign}), or null
 * @param baselineP50Nanos the baseline's median, null when there is no baseline or it was not recorded
 * @param ratioToBaseline p50 / baseline p50, null without a baseline
 * @param distribution percentile points, ascending, enough to draw a CDF
 */
public record LatencySeries(
        String combination,
        String operation,
        long count,
        long p50Nanos,
        long p95Nanos,
        long p99Nanos,
        long maxNanos,
        String baseline,
        Long baselineP50Nanos,
        Double ratioToBaseline,
        List<Point> distribution) {

    public LatencySeries {
        distribution = distribution == null ? List.of() : List.copyOf(distribution);
    }

    /** {@code percentile} % of the samples took at most {@code nanos}. */
    public record Point(double percentile, long nanos) {}
}
