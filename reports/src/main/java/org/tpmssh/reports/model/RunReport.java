package org.tpmssh.reports.model;

import java.util.List;
import java.util.Objects;

/**
 * Everything one conformance run found, as written to {@code report.json}.
 *
 * @param schemaVersion the version of this JSON shape; readers refuse versions newer than they know
 * @param runId the run's name, by convention its reports directory name (a timestamp)
 * @param startedAt ISO-8601 instant the run started
 * @param durationMillis wall time of the whole run
 */
public record RunReport(
        int schemaVersion,
        String runId,
        String startedAt,
        long durationMillis,
        Environment environment,
        List<Result> results,
        List<LatencySeries> latency) {

    /**
     * Version 1: the first published shape; 2 adds {@code environment.packages} and a TPM's container image
     * ({@code environment.tpms[].image}), and reads a version 1 file as one without them. Bump on any change an older
     * reader could misread or refuse.
     */
    public static final int SCHEMA_VERSION = 2;

    public RunReport {
        Objects.requireNonNull(environment, "environment");
        results = results == null ? List.of() : List.copyOf(results);
        latency = latency == null ? List.of() : List.copyOf(latency);
    }

    public long count(Status status) {
        return results.stream().filter(r -> r.status() == status).count();
    }
}
