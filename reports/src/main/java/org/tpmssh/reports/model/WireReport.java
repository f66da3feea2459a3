package org.tpmssh.reports.model;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the TPM wire proxy between the stacks and the TPM saw in a run (docs/tpm-wire.md): which backends it
 * watched, each stack's TPM commands per operation, the scans for secrets in clear, and the chip latency profile
 * the run used. Every figure comes from the wire, none from a stack's own counters.
 *
 * @param latencyProfile the chip whose delays were added to each response, or null for the simulator's own speed
 */
public record WireReport(
        List<Proxying> backends,
        ChipProfile latencyProfile,
        List<OperationCount> operations,
        List<SecretScan> scans) {

    /** How a chip profile's delay for a command was found: published for that very operation, */
    public static final String MEASURED = "measured";
    /** or derived from another figure (docs/tpm-wire.md says how). */
    public static final String ESTIMATED = "estimated";

    public WireReport {
        backends = backends == null ? List.of() : List.copyOf(backends);
        operations = operations == null ? List.of() : List.copyOf(operations);
        scans = scans == null ? List.of() : List.copyOf(scans);
    }

    /** Whether the proxy sat in front of a backend, and if not, why. */
    public record Proxying(String backend, boolean proxied, String note) {}

    /** A chip latency profile: its id (the {@code --latency-profile} value), name and where its figures come from. */
    public record ChipProfile(String id, String name, String source) {}

    /**
     * One operation of one stack with one key type, over its samples.
     *
     * @param order where the operation goes in the table, lowest first
     * @param commands the commands of the most frequent sample (the typical one), whose breakdown is
     *     {@code byCommand}, most frequent command first
     * @param minCommands the fewest commands any sample took
     * @param maxCommands the most commands any sample took
     * @param p50Nanos the median wall time of a sample, as the client saw it (with a latency profile, as the chip
     *     would take)
     * @param delayBasis for each command, {@link #MEASURED} or {@link #ESTIMATED}: how the profile's delay for it
     *     was found; empty without a profile
     */
    public record OperationCount(
            String stack,
            String operation,
            int order,
            String key,
            int samples,
            int commands,
            int minCommands,
            int maxCommands,
            Map<String, Integer> byCommand,
            long p50Nanos,
            long p95Nanos,
            long p99Nanos,
            Map<String, String> delayBasis) {

        public OperationCount {
            byCommand = byCommand == null ? Map.of() : java.util.Collections.unmodifiableMap(
                    new java.util.LinkedHashMap<>(byCommand));
            delayBasis = delayBasis == null ? Map.of() : Map.copyOf(new TreeMap<>(delayBasis));
        }
    }

    /**
     * One stack's TPM traffic scanned for its secrets in clear (raw, hex or base64).
     *
     * @param secrets what was looked for, by name (never a value)
     * @param failing whether a finding fails the run (our stack) or is a finding about another stack
     * @param controlCaught whether a secret planted in clear on the same wire was found, or null without a control
     */
    public record SecretScan(
            String backend,
            String stack,
            int exchanges,
            long bytes,
            List<String> secrets,
            List<Finding> findings,
            boolean failing,
            Boolean controlCaught) {

        public SecretScan {
            secrets = secrets == null ? List.of() : List.copyOf(secrets);
            findings = findings == null ? List.of() : List.copyOf(findings);
        }
    }

    /** Where a secret was seen: which secret, how it was written, in which command and direction. */
    public record Finding(String secret, String encoding, String command, String direction, long exchange) {}
}
