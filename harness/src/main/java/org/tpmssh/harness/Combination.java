package org.tpmssh.harness;

import java.util.List;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;

/**
 * One cell of the conformance matrix. Its {@link #displayName()} names a test invocation and its {@link #id()}
 * is what reports key results on, e.g. {@code swtpm-tcp|java|openssh|ssh-agent|ecc-p256|created}.
 */
public record Combination(String backend, String stack, String server, String client, String key, String origin) {

    public Combination {
        Axis.BACKEND.check(backend);
        Axis.SERVER.check(server);
        Axis.CLIENT.check(client);
        Axis.KEY.check(key);
        Axis.ORIGIN.check(origin);
    }

    /** {@code [swtpm-tcp | java | openssh | ecc-p256 | created]}; the client is named only when it is not the default. */
    public String displayName() {
        StringBuilder b = new StringBuilder("[").append(backend).append(" | ").append(stack).append(" | ")
                .append(server);
        if (!client.equals(Axis.CLIENT.known().get(0))) {
            b.append(" | ").append(client);
        }
        return b.append(" | ").append(key).append(" | ").append(origin).append(']').toString();
    }

    /** The report key: {@code backend|stack|server|key|origin}, with the client only when not the default. */
    public String id() {
        String name = displayName();
        return name.substring(1, name.length() - 1).replace(" | ", "|");
    }

    public KeyType keyType() {
        for (KeyType t : KeyType.values()) {
            if (t.label().equals(key)) {
                return t;
            }
        }
        throw new IllegalStateException("unknown key type " + key);
    }

    public boolean pinless() {
        return Axis.ORIGIN_PINLESS.equals(origin);
    }

    /** The axes, their values, and the system property or launcher parameter that filters each. */
    public enum Axis {
        BACKEND("tpmssh.backend", List.of(Backends.SWTPM_TCP, Backends.SWTPM_UNIX, Backends.MSSIM, Backends.DEVICE,
                Backends.CONTAINER, Backends.SWTPM_AS_DEVICE)),
        STACK("tpmssh.stack", List.of()),
        SERVER("tpmssh.server", List.of("openssh", "mina")),
        CLIENT("tpmssh.client", List.of("ssh-agent", "mina-jca", "ssh-pkcs11")),
        KEY("tpmssh.keys", List.of("ecc-p256", "ecc-p384", "ecc-p521", "rsa-2048", "rsa-3072")),
        ORIGIN("tpmssh.origins", List.of("created", "imported", "pinless"));

        public static final String ORIGIN_PINLESS = "pinless";

        private final String property;
        private final List<String> values;

        Axis(String property, List<String> values) {
            this.property = property;
            this.values = values;
        }

        public String property() {
            return property;
        }

        /** Known values; empty for the stack axis, which is open to adapters registered later. */
        public List<String> known() {
            return values;
        }

        void check(String value) {
            if (!values.isEmpty() && !values.contains(value)) {
                throw new IllegalArgumentException("unknown " + name().toLowerCase() + " \"" + value
                        + "\"; choose one of " + String.join(", ", values));
            }
        }
    }
}
