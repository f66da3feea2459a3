package org.tpmssh.reports.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * One scenario invocation, or a whole suite when its setup failed or it was skipped before any test ran.
 *
 * @param combination the matrix combination, e.g. {@code swtpm-tcp|java|openssh|ecc-p256|created}, or null
 *     for a scenario outside the matrix
 * @param axes the combination's axes by name (backend, stack, server, client, key, origin)
 * @param className the suite class, as JUnit XML's {@code classname}
 * @param scenario the behaviour checked, a user-facing sentence (the test method's display name)
 * @param name the full display name, the scenario plus the invocation's name when it is one
 * @param reason why it failed or was skipped (first line of the message), else null
 * @param failureType the class of the throwable that failed it, else null
 * @param detail the full failure text with its stack trace, for junit.xml, else null
 * @param attachments named files kept for this result, such as {@code sshd-log}
 */
public record Result(
        String combination,
        Map<String, String> axes,
        String className,
        String scenario,
        String name,
        Status status,
        String reason,
        String failureType,
        String detail,
        long durationMillis,
        Map<String, String> attachments) {

    public Result {
        axes = axes == null ? Map.of() : Map.copyOf(new TreeMap<>(axes));
        attachments = attachments == null ? Map.of() : Map.copyOf(new TreeMap<>(attachments));
    }

    /** What identifies this result across runs, for {@code report diff}. */
    public String key() {
        return (className == null ? "" : className) + " :: " + name;
    }
}
