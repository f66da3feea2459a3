package org.tpmssh.stack.jca;

import java.security.KeyStore;
import java.util.Objects;

/** What the "TPMSSH" KeyStore's {@code load} takes: a source of keys that are already unlocked, hence no password. */
public record TpmKeyStoreParameter(TpmKeySource source) implements KeyStore.LoadStoreParameter {

    public TpmKeyStoreParameter {
        Objects.requireNonNull(source, "source");
    }

    @Override
    public KeyStore.ProtectionParameter getProtectionParameter() {
        return null;
    }
}
