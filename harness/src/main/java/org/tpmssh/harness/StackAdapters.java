package org.tpmssh.harness;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.tpmssh.harness.tpm2pkcs11.Tpm2Pkcs11Stack;

/**
 * The stack axis: names to adapter factories. {@code java} is built in; issue 5's tpm2-pkcs11 adapter and the
 * test-only faulty stacks register themselves. A factory gets the combination id to record timings under.
 */
public final class StackAdapters {
    private static final Map<String, Function<String, StackAdapter>> FACTORIES = new ConcurrentHashMap<>();
    /** The stacks that ship with the harness, in the order {@code all} runs them. */
    public static final List<String> BUILT_IN = List.of(JavaStack.NAME, Tpm2Pkcs11Stack.NAME);

    static {
        register(JavaStack.NAME, JavaStack::new);
        register(Tpm2Pkcs11Stack.NAME, Tpm2Pkcs11Stack::new);
    }

    private StackAdapters() {
    }

    public static void register(String name, Function<String, StackAdapter> factory) {
        FACTORIES.put(name, factory);
    }

    public static Optional<StackAdapter> create(String name, String combination) {
        return Optional.ofNullable(FACTORIES.get(name)).map(f -> f.apply(combination));
    }
}
