package org.tpmssh.cli.token;

import org.tpmssh.cli.options.TpmOption;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TransportException;

/**
 * One verb's hold on the TPM: the connection, the key ring under the storage key a token lives
 * under, and the token model on top. Closing it flushes every object and session it loaded.
 */
public final class TokenSession implements AutoCloseable {
    private final KeyRing ring;
    private final Tokens tokens;

    private TokenSession(KeyRing ring, Tokens tokens) {
        this.ring = ring;
        this.tokens = tokens;
    }

    /** Opens the ring for the parent the token was created under. */
    public static TokenSession forToken(TpmOption tpm, TokenStore store, String token)
            throws StoreException, TpmException {
        return forParent(tpm, store, store.requireToken(token).parent());
    }

    public static TokenSession forParent(TpmOption tpm, TokenStore store, ParentKind parent)
            throws StoreException, TpmException {
        Tcti target = tpm.resolve();
        Tpm connection;
        try {
            connection = new Tpm(target.open());
        } catch (TransportException e) {
            throw new TpmException(e.getMessage(), e);
        }
        KeyRing ring;
        try {
            ring = KeyRing.open(connection, parent.template());
        } catch (TpmException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return new TokenSession(ring, new Tokens(store, ring, parent));
    }

    public Tokens tokens() {
        return tokens;
    }

    public KeyRing ring() {
        return ring;
    }

    @Override
    public void close() {
        ring.close();
    }
}
