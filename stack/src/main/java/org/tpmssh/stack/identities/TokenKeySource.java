package org.tpmssh.stack.identities;

import java.security.KeyStoreException;
import java.util.ArrayList;
import java.util.List;
import org.tpmssh.stack.jca.TpmKeyEntry;
import org.tpmssh.stack.jca.TpmKeySource;
import org.tpmssh.stack.jca.TpmPrivateKey;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.TpmException;

/**
 * Feeds the "TPMSSH" KeyStore from one token, one entry per key; keys that need the PIN are listed only with
 * a logged-in token secret.
 */
public final class TokenKeySource implements TpmKeySource {
    private final Tokens tokens;
    private final String token;
    private final byte[] tokenSecret;

    /** {@code tokenSecret} is copied (null lists only PIN-less keys); wipe yours after the call. */
    public TokenKeySource(Tokens tokens, String token, byte[] tokenSecret) {
        this.tokens = tokens;
        this.token = token;
        this.tokenSecret = tokenSecret == null ? null : tokenSecret.clone();
    }

    /**
     * Logs in to {@code token} with the user PIN and returns a source of all its keys. Like every PIN path, it
     * puts a PIN the TPM refused before to the TPM no more (one dictionary-attack try per distinct wrong PIN).
     * The caller wipes {@code pin}, and the source with {@link #wipe()}.
     */
    public static TokenKeySource login(Tokens tokens, String token, char[] pin)
            throws PinException, StoreException, TpmException {
        byte[] secret = tokens.loginUser(token, pin);
        try {
            return new TokenKeySource(tokens, token, secret);
        } finally {
            Secrets.wipe(secret);
        }
    }

    @Override
    public List<TpmKeyEntry> entries() throws KeyStoreException {
        List<TpmKeyEntry> entries = new ArrayList<>();
        try {
            for (KeyRecord record : tokens.store().keys(token)) {
                if (!record.pinless() && tokenSecret == null) {
                    continue;
                }
                TpmPrivateKey key = TpmPrivateKey.of(tokens.signer(tokens.load(token, record), record, tokenSecret));
                entries.add(TpmKeyEntry.of(record.label(), key));
            }
        } catch (StoreException | PinException | TpmException e) {
            throw new KeyStoreException("token '" + token + "': " + e.getMessage(), e);
        }
        return entries;
    }

    /** Forgets the copied token secret. */
    public void wipe() {
        Secrets.wipe(tokenSecret);
    }
}
