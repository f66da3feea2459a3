package org.tpmssh.stack.jca;

import java.security.KeyStoreException;
import java.util.List;

/**
 * Where the "TPMSSH" KeyStore gets its keys: the unlocked TPM keys of a token, for example. Kept
 * to one method so a token store can feed the KeyStore without the KeyStore knowing about tokens.
 */
@FunctionalInterface
public interface TpmKeySource {

    /** The signing keys to list now; aliases must be unique. */
    List<TpmKeyEntry> entries() throws KeyStoreException;
}
