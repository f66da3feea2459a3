package org.tpmssh.stack.jca;

import java.security.KeyStore;
import java.util.Objects;

/**
 * What {@code KeyStore.getInstance("TPMSSH").load(...)} takes: the source of keys. No password:
 * the source hands over keys that are already unlocked, so the PIN stays with whoever asked for it.
 */
public record TpmKeyStoreParameter(TpmKeySource source) implements KeyStore.LoadStoreParameter {

    public TpmKeyStoreParameter {
        Objects.requireNonNull(source, "source");
    }

    @Override
    public KeyStore.ProtectionParameter getProtectionParameter() {
        return null;
    }
}
