package org.tpmssh.harness.matrix;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.tpmssh.axes.BuiltInStack;
import org.tpmssh.harness.stacks.JavaStack;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.harness.tpm2pkcs11.Tpm2Pkcs11Stack;

/** The stack axis's adapters by name: the built-in ones, and those a test registers (the faulty stacks). */
public final class StackAdapters {
    private static final Map<String, Function<String, StackAdapter>> FACTORIES = new ConcurrentHashMap<>();

    static {
        for (BuiltInStack stack : BuiltInStack.values()) {
            register(stack.label(), switch (stack) {
                case JAVA -> JavaStack::new;
                case TPM2_PKCS11 -> Tpm2Pkcs11Stack::new;
            });
        }
    }

    private StackAdapters() {
    }

    /** Adds a stack; its factory gets the combination id to record timings under. */
    public static void register(String name, Function<String, StackAdapter> factory) {
        FACTORIES.put(name, factory);
    }

    public static Optional<StackAdapter> create(String name, String combination) {
        return Optional.ofNullable(FACTORIES.get(name)).map(f -> f.apply(combination));
    }
}
