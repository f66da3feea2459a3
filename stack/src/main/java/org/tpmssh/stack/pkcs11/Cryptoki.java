package org.tpmssh.stack.pkcs11;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.GetRandom;
import org.tpmssh.tpm.objects.TpmObject;

/**
 * Cryptoki's object model over the token store, as a Java API: a slot per token, sessions, login state per
 * token, and key objects with CKA attributes.
 */
public final class Cryptoki implements AutoCloseable {
    /** TPMA_PERMANENT.inLockout (TPM 2.0 Part 2, TPMA_PERMANENT bit 9). */
    static final int PERMANENT_IN_LOCKOUT = 1 << 9;
    static final int PT_PERMANENT = 0x200;

    private final Tokens tokens;
    private final List<String> slots = new ArrayList<>();
    private final Map<String, Login> logins = new HashMap<>();
    private final Map<String, TpmObject> loaded = new HashMap<>();
    private final Map<Long, KeyObject> objects = new HashMap<>();
    private final Map<String, Long> handles = new HashMap<>();
    private long nextHandle = 1;

    /** Who is logged in to a token, and the token secret that login unsealed. */
    record Login(long userType, byte[] secret) {
    }

    public Cryptoki(Tokens tokens) throws StoreException {
        this.tokens = tokens;
        for (TokenRecord t : tokens.store().tokens()) {
            slots.add(t.label());
        }
    }

    /** C_GetSlotList: one slot per token. */
    public synchronized List<Long> slots() {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            out.add((long) i);
        }
        return out;
    }

    /** The slot of the token labelled {@code label}. */
    public synchronized long slotOf(String label) throws Pkcs11Exception {
        int i = slots.indexOf(label);
        if (i < 0) {
            throw new Pkcs11Exception(Ckr.SLOT_ID_INVALID, "no token labelled '" + label + "'");
        }
        return i;
    }

    synchronized String tokenLabel(long slot) throws Pkcs11Exception {
        if (slot < 0 || slot >= slots.size()) {
            throw new Pkcs11Exception(Ckr.SLOT_ID_INVALID, "no slot " + slot + "; C_GetSlotList lists "
                    + slots.size());
        }
        return slots.get((int) slot);
    }

    /** C_GetTokenInfo: label and flags, with the PIN flags read from the TPM's dictionary-attack state. */
    public synchronized TokenInfo tokenInfo(long slot) throws Pkcs11Exception {
        String label = tokenLabel(slot);
        try {
            TokenRecord t = tokens.store().requireToken(label);
            Map<Integer, Integer> p = GetCapability.properties(tokens.ring().tpm(), GetCapability.PT_LOCKOUT_COUNTER, 2);
            int counter = p.getOrDefault(GetCapability.PT_LOCKOUT_COUNTER, 0);
            int max = p.getOrDefault(GetCapability.PT_MAX_AUTH_FAIL, 0);
            int permanent = GetCapability.property(tokens.ring().tpm(), PT_PERMANENT);
            boolean inLockout = (permanent & PERMANENT_IN_LOCKOUT) != 0;
            long flags = Ck.CKF_RNG | Ck.CKF_TOKEN_INITIALIZED;
            if (!t.pinless()) {
                flags |= Ck.CKF_LOGIN_REQUIRED | Ck.CKF_USER_PIN_INITIALIZED;
                if (counter > 0) {
                    flags |= Ck.CKF_USER_PIN_COUNT_LOW;
                }
                if (max > 0 && counter == max - 1) {
                    flags |= Ck.CKF_USER_PIN_FINAL_TRY;
                }
                if (inLockout) {
                    flags |= Ck.CKF_USER_PIN_LOCKED;
                }
            }
            return new TokenInfo(label, flags, counter, max, inLockout);
        } catch (StoreException e) {
            throw new Pkcs11Exception(Ckr.GENERAL_ERROR, e.getMessage(), e);
        } catch (TpmException e) {
            throw new Pkcs11Exception(Ckr.DEVICE_ERROR, "the TPM did not answer: " + e.getMessage(), e);
        }
    }

    /** C_OpenSession. */
    public Session openSession(long slot) throws Pkcs11Exception {
        return new Session(this, slot, tokenLabel(slot));
    }

    /** C_GenerateRandom: {@code n} bytes from the TPM's RNG (TPM2_GetRandom, up to 32 bytes a command). */
    public byte[] generateRandom(int n) throws Pkcs11Exception {
        byte[] out = new byte[n];
        int at = 0;
        try {
            while (at < n) {
                byte[] chunk = new GetRandom(Math.min(32, n - at)).execute(tokens.ring().tpm());
                if (chunk.length == 0) {
                    throw new Pkcs11Exception(Ckr.DEVICE_ERROR, "the TPM returned no random bytes");
                }
                int take = Math.min(chunk.length, n - at);
                System.arraycopy(chunk, 0, out, at, take);
                at += take;
            }
            return out;
        } catch (TpmException e) {
            throw new Pkcs11Exception(Ckr.DEVICE_ERROR, "the TPM did not answer: " + e.getMessage(), e);
        }
    }

    Tokens tokens() {
        return tokens;
    }

    synchronized Login login(String token) {
        return logins.get(token);
    }

    synchronized void setLogin(String token, Login l) {
        Login old = logins.put(token, l);
        if (old != null) {
            Secrets.wipe(old.secret());
        }
    }

    synchronized void logout(String token) {
        Login old = logins.remove(token);
        if (old != null) {
            Secrets.wipe(old.secret());
        }
    }

    /** The object handle for a key record's private (or public) object; stable for this module's life. */
    synchronized long handleFor(String token, KeyRecord k, boolean isPrivate) {
        String key = token + "/" + k.id() + (isPrivate ? "/priv" : "/pub");
        Long h = handles.get(key);
        if (h == null) {
            h = nextHandle++;
            handles.put(key, h);
        }
        objects.put(h, new KeyObject(token, k, isPrivate));
        return h;
    }

    synchronized KeyObject object(long handle) {
        return objects.get(handle);
    }

    synchronized TpmObject loadedKey(String token, KeyRecord k) throws StoreException {
        TpmObject o = loaded.get(k.id());
        if (o == null) {
            o = tokens.load(token, k);
            loaded.put(k.id(), o);
        }
        return o;
    }

    /**
     * Logs every token out, wipes the token secrets and flushes the keys this module loaded, so a
     * module per client (as the p11-kit server makes) leaves nothing behind; the caller closes the KeyRing.
     */
    @Override
    public synchronized void close() {
        for (Login l : logins.values()) {
            Secrets.wipe(l.secret());
        }
        logins.clear();
        for (TpmObject o : loaded.values()) {
            try {
                tokens.ring().cache().release(o);
            } catch (TpmException | RuntimeException e) {
                // the TPM is gone or the ring closed first; it flushes what it loaded itself
            }
        }
        loaded.clear();
    }
}
