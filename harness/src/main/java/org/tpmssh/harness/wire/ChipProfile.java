package org.tpmssh.harness.wire;

import java.time.Duration;
import java.util.Map;
import org.tpmssh.harness.wire.CommandDelay.Basis;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * How long each TPM command takes on one discrete chip, from the published figures in
 * {@code chip-profiles.json} (see {@link ChipProfiles}): a measured figure where the benchmark timed that
 * operation, else a labelled estimate derived from one of the chip's figures.
 */
public final class ChipProfile {
    private final String id;
    private final String name;
    private final String bus;
    private final Map<String, Double> millis;
    private final Map<String, String> operationNames;
    private final Map<String, Rule> rules;

    /** Which figure a command uses, per key type: "ecc", "rsa", "other". */
    record Rule(String command, String by, Map<String, Choice> branches) {
    }

    /** One figure and whether it measures the command itself. */
    record Choice(String op, Basis basis) {
    }

    ChipProfile(String id, String name, String bus, Map<String, Double> millis, Map<String, String> operationNames,
            Map<String, Rule> rules) {
        this.id = id;
        this.name = name;
        this.bus = bus;
        this.millis = Map.copyOf(millis);
        this.operationNames = Map.copyOf(operationNames);
        this.rules = Map.copyOf(rules);
    }

    /** The short name used on the command line, e.g. {@code slb9670}. */
    public String id() {
        return id;
    }

    /** For example {@code Infineon OPTIGA SLB9670}. */
    public String name() {
        return name;
    }

    public String bus() {
        return bus;
    }

    /** A published figure, e.g. {@code ecdsaP256Sign}; see the "operations" of chip-profiles.json. */
    public Duration figure(String operation) {
        Double ms = millis.get(operation);
        if (ms == null) {
            throw new IllegalArgumentException("chip profile " + id + " has no figure '" + operation + "'; it has "
                    + millis.keySet());
        }
        return Duration.ofNanos(Math.round(ms * 1e6));
    }

    /** The delay for a command that uses {@code object} (its key, or for a creating command its template). */
    public CommandDelay delay(int commandCode, WireObject object) {
        return delay(commandCode, object, object, false);
    }

    /**
     * The delay for one command: {@code subject} is the object behind its first handle, {@code template} what a
     * creating command creates, {@code keyless} true when the first handle is TPM_RH_NULL (an unsalted session).
     */
    CommandDelay delay(int commandCode, WireObject subject, WireObject template, boolean keyless) {
        Rule rule = rules.get(CommandCode.name(commandCode));
        if (rule == null || keyless) {
            return floor();
        }
        WireObject object = "template".equals(rule.by()) ? template : "key".equals(rule.by()) ? subject : null;
        if (object == null) {
            // The key was loaded before the proxy saw it: take the rule's first branch, and say so.
            Map.Entry<String, Choice> first = rule.branches().entrySet().iterator().next();
            return choose(first.getValue(), "; key type not seen on the wire, " + first.getKey().toUpperCase()
                    + " assumed", true);
        }
        String branch = object.isEcc() ? "ecc" : object.isRsa() ? "rsa" : "other";
        Choice choice = rule.branches().get(branch);
        if (choice == null) {
            return floor();
        }
        boolean sizeAsMeasured = object.isEcc() ? object.curveOrBits() == Alg.ECC_NIST_P256
                : !object.isRsa() || object.curveOrBits() == 2048;
        return choose(choice, sizeAsMeasured ? "" : "; figure for " + (object.isEcc() ? "P-256" : "RSA-2048")
                + " applied to " + object.describe(), !sizeAsMeasured);
    }

    private CommandDelay floor() {
        return choose(rules.get("*").branches().get("other"), "", false);
    }

    private CommandDelay choose(Choice choice, String caveat, boolean forceEstimate) {
        Basis basis = forceEstimate ? Basis.ESTIMATE : choice.basis();
        return new CommandDelay(figure(choice.op()), basis, operationNames.getOrDefault(choice.op(), choice.op())
                + " on " + name + caveat);
    }

    @Override
    public String toString() {
        return id + " (" + name + ", " + bus + ")";
    }
}
