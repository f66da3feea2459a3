package org.tpmssh.stack.store;

import java.nio.file.Path;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.transport.Tcti;

/**
 * A fresh swtpm whose dictionary-attack protection is strict and never relaxed (a given number of tries, 600 s
 * recovery), with one PIN token on it, for tests that count the TPM's own failure counter.
 */
public final class StrictDaToken implements AutoCloseable {
    public static final String TOKEN = "work";
    public static final String PIN = "right-pin-2468";
    public static final String SO_PIN = "so-pin-1357";
    public static final int RECOVERY_SECONDS = 600;

    public final Swtpm swtpm;
    public final KeyRing ring;
    public final Tokens tokens;
    public final int maxTries;

    private StrictDaToken(Swtpm swtpm, KeyRing ring, Tokens tokens, int maxTries) {
        this.swtpm = swtpm;
        this.ring = ring;
        this.tokens = tokens;
        this.maxTries = maxTries;
    }

    /** The TPM allows {@code maxTries} failures; the token {@value #TOKEN} has user PIN {@value #PIN}. */
    public static StrictDaToken start(Path dir, int maxTries) throws Exception {
        Swtpm swtpm = Swtpm.start();
        KeyRing ring = null;
        try {
            Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open());
            DictionaryAttack.parameters(tpm, AuthHandle.lockout(null, Session.password()), maxTries,
                    RECOVERY_SECONDS, 1);
            ring = KeyRing.open(tpm, ParentKind.ECC.template());
            Tokens tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
            tokens.init(TOKEN, PIN.toCharArray(), SO_PIN.toCharArray());
            return new StrictDaToken(swtpm, ring, tokens, maxTries);
        } catch (Exception | Error e) {
            if (ring != null) {
                ring.close();
            }
            swtpm.close();
            throw e;
        }
    }

    /** A DA-protected ECC P-256 key of the token, made after logging in with the right PIN. */
    public KeyRecord createPinKey(String label) throws Exception {
        byte[] secret = tokens.loginUser(TOKEN, PIN.toCharArray());
        try {
            return tokens.createKey(TOKEN, KeyType.ECC_P256, label, false, label, secret);
        } finally {
            Secrets.wipe(secret);
        }
    }

    /** TPM_PT_LOCKOUT_COUNTER: the failures the TPM has counted. */
    public int lockoutCounter() throws TpmException {
        return GetCapability.property(ring.tpm(), GetCapability.PT_LOCKOUT_COUNTER);
    }

    @Override
    public void close() {
        ring.close();
        swtpm.close();
    }
}
