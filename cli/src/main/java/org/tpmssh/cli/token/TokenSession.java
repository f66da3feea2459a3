package org.tpmssh.cli.token;

import java.util.Arrays;
import java.util.List;
import org.tpmssh.cli.options.TpmOption;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.Leftovers;
import org.tpmssh.tpm.objects.SessionScope;
import org.tpmssh.tpm.transport.Tcti;

/**
 * One verb's hold on the TPM: the connection, the key ring under the storage key a token lives
 * under, and the token model on top. Closing it flushes every object and session it loaded; what a killed
 * tpmssh left loaded is flushed at the start when the store proves it ours ({@link Leftovers}).
 */
public final class TokenSession implements AutoCloseable {
    private final KeyRing ring;
    private final Tokens tokens;

    private TokenSession(KeyRing ring, Tokens tokens) {
        this.ring = ring;
        this.tokens = tokens;
    }

    /**
     * Opens the ring for the parent the token was created under, and checks that this TPM is the
     * one that holds the token, so that nothing is created or exported on the wrong one.
     */
    public static TokenSession forToken(TpmOption tpm, TokenStore store, String token)
            throws StoreException, TpmException {
        TokenRecord t = store.requireToken(token);
        TokenSession session = forParent(tpm, store, t.parent());
        try {
            session.checkBelongsHere(t);
        } catch (StoreException | TpmException | RuntimeException e) {
            session.close();
            throw e;
        }
        return session;
    }

    /**
     * A token records the Name of the storage key it was made under, which no other TPM (nor this one
     * after a clear) has: comparing it with this ring's SRK costs no TPM command. Tokens written before
     * that Name was kept are checked the old way: their blobs load only under the SRK of the TPM that
     * made them, so TPM2_Load of the user seal (PIN token) or of any key (PIN-less token) proves it.
     * Without this, a PIN-less token, which never unseals anything, would take keys from two TPMs.
     */
    private void checkBelongsHere(TokenRecord t) throws StoreException, TpmException {
        if (t.parentName() != null) {
            if (!Arrays.equals(t.parentName(), ring.srk().name())) {
                throw new StoreException(wrongTpm(t, "its storage key's Name differs here"));
            }
            return;
        }
        TpmObject probe;
        if (!t.pinless()) {
            probe = ring.register(t.userSeal().privateBlob(), TpmtPublic.fromBytes(t.userSeal().publicArea()),
                    "probe:" + t.label());
        } else {
            List<KeyRecord> keys = tokens.store().keys(t.label());
            if (keys.isEmpty()) {
                return; // nothing of it is in any TPM yet
            }
            probe = ring.register(keys.get(0).privateBlob(), keys.get(0).tpmPublic(), "probe:" + t.label());
        }
        try {
            ring.cache().use(probe, h -> h);
        } catch (TpmResponseException e) {
            if (e.is(ResponseCodes.LOCKOUT)) {
                throw e; // not a wrong TPM; the verb will report the lockout itself when it needs a PIN
            }
            throw new StoreException(wrongTpm(t, e.rcName()), e);
        } finally {
            ring.cache().release(probe);
        }
    }

    private static String wrongTpm(TokenRecord t, String why) {
        return "token '" + t.label() + "' cannot be loaded into this TPM (" + why + "): it was made by another TPM,"
                + " or this TPM was cleared. A token works only on the TPM that created it; check --tcti or"
                + " TPMSSH_TCTI";
    }

    /** For a one-shot verb, which holds no HMAC session between its TPM calls (it may be killed at any moment). */
    public static TokenSession forParent(TpmOption tpm, TokenStore store, ParentKind parent)
            throws StoreException, TpmException {
        return open(tpm, store, parent, SessionScope.PER_CALL);
    }

    /** For a server (agent, PKCS#11), which keeps one HMAC session so that each signature is one command. */
    public static TokenSession serving(TpmOption tpm, TokenStore store, ParentKind parent)
            throws StoreException, TpmException {
        return open(tpm, store, parent, SessionScope.PER_RING);
    }

    private static TokenSession open(TpmOption tpm, TokenStore store, ParentKind parent, SessionScope scope)
            throws StoreException, TpmException {
        Tcti target = tpm.resolve();
        Leftovers leftovers = Leftovers.forTcti(target, store.tpmNames());
        Tpm connection = new Tpm(tpm.open(target));
        KeyRing ring;
        try {
            ring = KeyRing.open(connection, parent.template(), leftovers, scope);
        } catch (TpmException | RuntimeException e) {
            connection.close();
            throw e;
        }
        return new TokenSession(ring, new Tokens(store, ring, parent));
    }

    /**
     * The same refusal with the TPM's dictionary-attack count appended, so a user sees how close
     * lockout is. The count is a property anyone may read; no PIN is involved.
     */
    public PinIncorrectException counted(PinIncorrectException e) {
        if (!e.countedByTpm()) {
            return e; // the TPM was not asked (an empty PIN, or one it refused before): nothing new to count
        }
        try {
            int failures = GetCapability.property(ring.tpm(), GetCapability.PT_LOCKOUT_COUNTER);
            int max = GetCapability.property(ring.tpm(), GetCapability.PT_MAX_AUTH_FAIL);
            return new PinIncorrectException(e.getMessage() + " (the TPM now counts " + failures + " of " + max
                    + " failures allowed before lockout)", e, true);
        } catch (TpmException notReadable) {
            return e;
        }
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
