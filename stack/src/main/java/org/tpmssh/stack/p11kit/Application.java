package org.tpmssh.stack.p11kit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Ckr;
import org.tpmssh.stack.pkcs11.Cryptoki;
import org.tpmssh.stack.pkcs11.Pkcs11Exception;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.TokenRecord;

/**
 * One client connection, which is one PKCS#11 application: its own {@link Cryptoki} (so its login
 * is its own and ends with it), the slots it may see, and its session handles.
 */
final class Application implements AutoCloseable {
    private final ServedTokens served;
    private Cryptoki module;
    private final Map<Long, String> slots = new LinkedHashMap<>();
    private final Map<Long, RpcSession> sessions = new HashMap<>();
    private final Map<Long, Long> logins = new HashMap<>();
    private final Map<Long, Certificate> certificates = new HashMap<>();
    private final Map<String, Long> certificateHandles = new HashMap<>();
    private long nextSession = 1;

    /** Certificate handles live far above the model's key handles, which count up from 1. */
    private static final long FIRST_CERTIFICATE = 1L << 40;

    private record Certificate(String token, KeyRecord key) {
    }

    Application(ServedTokens served) {
        this.served = served;
    }

    ServedTokens served() {
        return served;
    }

    /** C_Initialize: a module over the tokens as they are now. */
    void initialize() throws Pkcs11Exception {
        if (module != null) {
            throw new Pkcs11Exception(Ckr.CRYPTOKI_ALREADY_INITIALIZED, "C_Initialize was already called on this"
                    + " connection");
        }
        try {
            Cryptoki m = new Cryptoki(served.tokens());
            for (TokenRecord t : served.tokens().store().tokens()) {
                if (served.offers(t)) {
                    slots.put(m.slotOf(t.label()), t.label());
                }
            }
            module = m;
        } catch (StoreException e) {
            throw new Pkcs11Exception(Ckr.GENERAL_ERROR, e.getMessage(), e);
        }
    }

    boolean initialized() {
        return module != null;
    }

    Cryptoki module() throws Pkcs11Exception {
        if (module == null) {
            throw new Pkcs11Exception(Ckr.CRYPTOKI_NOT_INITIALIZED, "call C_Initialize first");
        }
        return module;
    }

    /** The offered slots, in the store's order. */
    List<Long> slots() throws Pkcs11Exception {
        module();
        return new ArrayList<>(slots.keySet());
    }

    /** The label of an offered slot's token. */
    String token(long slot) throws Pkcs11Exception {
        module();
        String label = slots.get(slot);
        if (label == null) {
            throw new Pkcs11Exception(Ckr.SLOT_ID_INVALID, "no slot " + slot + "; C_GetSlotList lists " + slots.keySet());
        }
        return label;
    }

    RpcSession openSession(long slot, boolean readWrite) throws Pkcs11Exception {
        String token = token(slot);
        if (!readWrite && loggedIn(slot) == Ck.CKU_SO) {
            throw new Pkcs11Exception(Ckr.SESSION_READ_WRITE_SO_EXISTS, "the SO is logged in; open a read/write"
                    + " session");
        }
        RpcSession s = new RpcSession(nextSession++, slot, token, readWrite, module.openSession(slot));
        sessions.put(s.handle, s);
        return s;
    }

    RpcSession session(long handle) throws Pkcs11Exception {
        module();
        RpcSession s = sessions.get(handle);
        if (s == null) {
            throw new Pkcs11Exception(Ckr.SESSION_HANDLE_INVALID, "no session " + handle + "; open one with"
                    + " C_OpenSession");
        }
        return s;
    }

    List<RpcSession> sessions(long slot) {
        return sessions.values().stream().filter(s -> s.slot == slot).toList();
    }

    /** Closes a session; closing the last one on a token logs the application out of it, as PKCS#11 says. */
    void closeSession(RpcSession s) {
        sessions.remove(s.handle);
        if (sessions(s.slot).isEmpty() && logins.containsKey(s.slot)) {
            try {
                s.model().logout();
            } catch (Pkcs11Exception e) {
                // already logged out
            }
            logins.remove(s.slot);
        }
        s.close();
    }

    /** Who is logged in to the slot's token: CKU_USER, CKU_SO, or -1 for nobody. */
    long loggedIn(long slot) {
        return logins.getOrDefault(slot, -1L);
    }

    void setLoggedIn(long slot, long userType) {
        if (userType < 0) {
            logins.remove(slot);
        } else {
            logins.put(slot, userType);
        }
    }

    /** The handle of the placeholder certificate for {@code key}, stable for this application's life. */
    long certificateHandle(String token, KeyRecord key) {
        return certificateHandles.computeIfAbsent(token + "/" + key.id(), k -> {
            long h = FIRST_CERTIFICATE + certificates.size();
            certificates.put(h, new Certificate(token, key));
            return h;
        });
    }

    /** The key whose placeholder certificate {@code handle} is, if it is one on {@code token}. */
    Optional<KeyRecord> certificate(String token, long handle) {
        Certificate c = certificates.get(handle);
        return c != null && c.token().equals(token) ? Optional.of(c.key()) : Optional.empty();
    }

    /** C_Finalize, or the client went away: every session closed, every login and loaded key dropped. */
    @Override
    public void close() {
        for (RpcSession s : List.copyOf(sessions.values())) {
            s.close();
        }
        sessions.clear();
        logins.clear();
        slots.clear();
        certificates.clear();
        certificateHandles.clear();
        if (module != null) {
            module.close();
            module = null;
        }
    }
}
