package org.tpmssh.axes;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One cell of the conformance matrix: its {@link #displayName()} names a test invocation and its {@link #id()}
 * keys the reports, e.g. {@code swtpm-tcp|java|openssh|ecc-p256|created}.
 */
public record Combination(Backend backend, String stack, Server server, Client client, KeyAlgorithm key,
        Origin origin) {

    public Combination {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(stack, "stack");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(origin, "origin");
    }

    /** This combination's value on {@code axis}, as its label. */
    public String label(Axis axis) {
        return switch (axis) {
            case BACKEND -> backend.label();
            case STACK -> stack;
            case SERVER -> server.label();
            case CLIENT -> client.label();
            case KEY -> key.label();
            case ORIGIN -> origin.label();
        };
    }

    /**
     * {@code [swtpm-tcp | java | openssh | ecc-p256 | created]}: every axis in order, except the client when it is
     * {@code ssh-agent}, which the names had before the client axis existed.
     */
    public String displayName() {
        StringBuilder b = new StringBuilder("[");
        for (Axis axis : Axis.values()) {
            if (axis == Axis.CLIENT && client == Client.SSH_AGENT) {
                continue;
            }
            b.append(b.length() > 1 ? " | " : "").append(label(axis));
        }
        return b.append(']').toString();
    }

    /** The report key: the display name without brackets, its axes joined by {@code |}. */
    public String id() {
        String name = displayName();
        return name.substring(1, name.length() - 1).replace(" | ", "|");
    }

    /** The report entries that say which combination a test ran: its id and each axis's value. */
    public Map<String, String> reportEntries() {
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(ReportKeys.COMBINATION, id());
        for (Axis axis : Axis.values()) {
            entries.put(axis.reportKey(), label(axis));
        }
        return entries;
    }

    public boolean pinless() {
        return origin == Origin.PINLESS;
    }
}
