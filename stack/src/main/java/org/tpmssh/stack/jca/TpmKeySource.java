package org.tpmssh.stack.jca;

import java.security.KeyStoreException;
import java.util.List;

/**
 * Where the "TPMSSH" KeyStore gets its keys, e.g. the unlocked keys of a token, so the KeyStore knows nothing
 * of tokens.
 */
@FunctionalInterface
public interface TpmKeySource {

    /** The signing keys to list now; aliases must be unique. */
    List<TpmKeyEntry> entries() throws KeyStoreException;
}
