package org.tpmssh.stack.pkcs11;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.tpmssh.stack.keys.TpmSigner;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * A Cryptoki session on one slot: login, object search, PIN management and C_SignInit/C_Sign with PKCS#11's
 * semantics.
 */
public final class Session implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] DI_SHA256 = HEX.parseHex("3031300d060960864801650304020105000420");
    private static final byte[] DI_SHA384 = HEX.parseHex("3041300d060960864801650304020205000430");
    private static final byte[] DI_SHA512 = HEX.parseHex("3051300d060960864801650304020305000440");

    private final Cryptoki module;
    private final long slot;
    private final String token;
    private SignOp op;
    private boolean closed;

    private record SignOp(Mechanism mechanism, KeyObject key) {
    }

    Session(Cryptoki module, long slot, String token) {
        this.module = module;
        this.slot = slot;
        this.token = token;
    }

    public long slot() {
        return slot;
    }

    /** C_Login: CKU_USER or CKU_SO. A wrong PIN is CKR_PIN_INCORRECT and counts toward the TPM's lockout. */
    public void login(long userType, char[] pin) throws Pkcs11Exception {
        open();
        if (userType != Ck.CKU_USER && userType != Ck.CKU_SO) {
            throw new Pkcs11Exception(Ckr.USER_TYPE_INVALID, "log in as CKU_USER (1) or CKU_SO (0)");
        }
        Cryptoki.Login current = module.login(token);
        if (current != null) {
            throw new Pkcs11Exception(Ckr.USER_ALREADY_LOGGED_IN, "token '" + token + "' is already logged in;"
                    + " call C_Logout first");
        }
        TokenRecord t = record();
        if (t.pinless()) {
            module.setLogin(token, new Cryptoki.Login(userType, new byte[0]));
            return;
        }
        byte[] secret = call(() -> userType == Ck.CKU_USER ? module.tokens().loginUser(token, pin)
                : module.tokens().loginSo(token, pin));
        module.setLogin(token, new Cryptoki.Login(userType, secret));
    }

    /** C_Logout: wipes the unsealed token secret. */
    public void logout() throws Pkcs11Exception {
        open();
        if (module.login(token) == null) {
            throw new Pkcs11Exception(Ckr.USER_NOT_LOGGED_IN, "token '" + token + "' is not logged in");
        }
        module.logout(token);
    }

    /** C_InitPIN: the SO sets a new user PIN (a reset of a forgotten one). */
    public void initPin(char[] newUserPin) throws Pkcs11Exception {
        Cryptoki.Login l = requireLogin(Ck.CKU_SO, "log in as the SO (CKU_SO) to set the user PIN");
        call(() -> {
            module.tokens().setUserPin(token, l.secret(), newUserPin);
            return null;
        });
    }

    /** C_SetPIN: changes the PIN of whoever is logged in (the user when nobody is). */
    public void setPin(char[] oldPin, char[] newPin) throws Pkcs11Exception {
        open();
        Cryptoki.Login l = module.login(token);
        boolean so = l != null && l.userType() == Ck.CKU_SO;
        call(() -> {
            if (so) {
                module.tokens().changeSoPin(token, oldPin, newPin);
            } else {
                module.tokens().changeUserPin(token, oldPin, newPin);
            }
            return null;
        });
    }

    /**
     * Creates a sign-only key in the TPM (fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|sign)
     * and stores it. On a PIN token the user must be logged in unless {@code pinless}.
     */
    public KeyRecord createKey(KeyType type, String label, boolean pinless, String comment) throws Pkcs11Exception {
        open();
        Cryptoki.Login l = module.login(token);
        byte[] secret = l != null && l.userType() == Ck.CKU_USER ? l.secret() : null;
        if (!pinless && !record().pinless() && secret == null) {
            throw new Pkcs11Exception(Ckr.USER_NOT_LOGGED_IN, "log in as the user to create a key that needs"
                    + " the PIN, or create a PIN-less key");
        }
        return call(() -> module.tokens().createKey(token, type, label, pinless, comment, secret));
    }

    /** C_FindObjectsInit + C_FindObjects: handles of the objects matching every attribute in {@code template}. */
    public List<Long> findObjects(Map<Long, Object> template) throws Pkcs11Exception {
        open();
        boolean pinless = record().pinless();
        boolean user = loggedInAsUser();
        List<Long> out = new ArrayList<>();
        List<KeyRecord> keys = call(() -> module.tokens().store().keys(token));
        for (KeyRecord k : keys) {
            for (boolean priv : new boolean[] {true, false}) {
                KeyObject o = new KeyObject(token, k, priv);
                if (o.needsLogin(pinless) && !user) {
                    continue; // private objects are invisible until the user logs in
                }
                Map<Long, Object> attrs = attributes(o, pinless);
                if (matches(attrs, template)) {
                    out.add(module.handleFor(token, k, priv));
                }
            }
        }
        return out;
    }

    /** C_GetAttributeValue for one attribute: Long, Boolean or byte[] (CKA_LABEL as UTF-8). */
    public Object getAttribute(long handle, long type) throws Pkcs11Exception {
        KeyObject o = object(handle, Ckr.OBJECT_HANDLE_INVALID);
        Map<Long, Object> attrs = attributes(o, record().pinless());
        Object v = attrs.get(type);
        if (v == null) {
            if (o.isPrivate && (type == 0x11L /* CKA_VALUE */ || (type >= 0x123L && type <= 0x128L))) {
                throw new Pkcs11Exception(Ckr.ATTRIBUTE_SENSITIVE, "the private key never leaves the TPM");
            }
            throw new Pkcs11Exception(Ckr.ATTRIBUTE_TYPE_INVALID, "object has no attribute 0x" + Long.toHexString(type));
        }
        return v instanceof byte[] b ? b.clone() : v;
    }

    /** C_SignInit. */
    public void signInit(Mechanism mechanism, long keyHandle) throws Pkcs11Exception {
        open();
        if (op != null) {
            throw new Pkcs11Exception(Ckr.OPERATION_ACTIVE, "a signature is already in progress; finish it with C_Sign");
        }
        KeyObject k = object(keyHandle, Ckr.KEY_HANDLE_INVALID);
        if (!k.isPrivate) {
            throw new Pkcs11Exception(Ckr.KEY_FUNCTION_NOT_PERMITTED, "object " + keyHandle + " is a public key;"
                    + " sign with its private key");
        }
        long m = mechanism.type();
        boolean ecMech = m == Ck.CKM_ECDSA || m == Ck.CKM_ECDSA_SHA256 || m == Ck.CKM_ECDSA_SHA384
                || m == Ck.CKM_ECDSA_SHA512;
        boolean rsaMech = m == Ck.CKM_RSA_PKCS || m == Ck.CKM_SHA256_RSA_PKCS || m == Ck.CKM_SHA384_RSA_PKCS
                || m == Ck.CKM_SHA512_RSA_PKCS || m == Ck.CKM_RSA_PKCS_PSS;
        if (!ecMech && !rsaMech) {
            throw new Pkcs11Exception(Ckr.MECHANISM_INVALID, "mechanism 0x" + Long.toHexString(m) + " is not one"
                    + " this token signs with (CKM_ECDSA[_SHA256/384/512], CKM_RSA_PKCS, CKM_SHA256/384/512_RSA_PKCS,"
                    + " CKM_RSA_PKCS_PSS)");
        }
        int scheme = ecMech ? Alg.ECDSA : m == Ck.CKM_RSA_PKCS_PSS ? Alg.RSAPSS : Alg.RSASSA;
        if (!TpmSigner.signsWith(publicArea(k), scheme)) {
            throw new Pkcs11Exception(Ckr.KEY_TYPE_INCONSISTENT, "the key is " + k.record.algorithm()
                    + "; choose a mechanism for it");
        }
        if (m == Ck.CKM_RSA_PKCS_PSS) {
            int hash = pssHash(mechanism.pssHashAlg());
            long mgf = hash == Alg.SHA256 ? Ck.CKG_MGF1_SHA256 : hash == Alg.SHA384 ? Ck.CKG_MGF1_SHA384
                    : Ck.CKG_MGF1_SHA512;
            if (mechanism.pssMgf() != mgf || mechanism.pssSaltLen() != Alg.digestSize(hash)) {
                throw new Pkcs11Exception(Ckr.MECHANISM_PARAM_INVALID, "the TPM signs PSS with MGF1 over the same"
                        + " hash and a salt as long as the hash; set mgf and sLen to match");
            }
        }
        if (k.needsLogin(record().pinless()) && !loggedInAsUser()) {
            throw new Pkcs11Exception(Ckr.USER_NOT_LOGGED_IN, "key '" + k.record.label() + "' needs the user PIN;"
                    + " call C_Login(CKU_USER) first");
        }
        op = new SignOp(mechanism, k);
    }

    /** C_Sign: ECDSA returns r || s (each as long as the curve order); RSA the signature bytes. */
    public byte[] sign(byte[] data) throws Pkcs11Exception {
        open();
        SignOp o = op;
        if (o == null) {
            throw new Pkcs11Exception(Ckr.OPERATION_NOT_INITIALIZED, "call C_SignInit before C_Sign");
        }
        op = null; // C_Sign ends the operation whatever happens
        long m = o.mechanism().type();
        int scheme;
        int hash;
        byte[] digest;
        if (m == Ck.CKM_ECDSA) {
            scheme = Alg.ECDSA;
            hash = hashForLength(data.length, "CKM_ECDSA takes a SHA-256, SHA-384 or SHA-512 digest (32, 48 or 64"
                    + " bytes)");
            digest = data;
        } else if (m == Ck.CKM_ECDSA_SHA256 || m == Ck.CKM_ECDSA_SHA384 || m == Ck.CKM_ECDSA_SHA512) {
            scheme = Alg.ECDSA;
            hash = m == Ck.CKM_ECDSA_SHA256 ? Alg.SHA256 : m == Ck.CKM_ECDSA_SHA384 ? Alg.SHA384 : Alg.SHA512;
            digest = Alg.hash(hash, data);
        } else if (m == Ck.CKM_RSA_PKCS) {
            scheme = Alg.RSASSA;
            byte[] prefix = startsWith(data, DI_SHA256) ? DI_SHA256 : startsWith(data, DI_SHA384) ? DI_SHA384
                    : startsWith(data, DI_SHA512) ? DI_SHA512 : null;
            int k = modulusBytes(o.key());
            if (data.length > k - 11) {
                throw new Pkcs11Exception(Ckr.DATA_LEN_RANGE, "CKM_RSA_PKCS input is at most " + (k - 11) + " bytes");
            }
            if (prefix == null || data.length != prefix.length + prefix[prefix.length - 1]) {
                throw new Pkcs11Exception(Ckr.DATA_INVALID, "the TPM signs CKM_RSA_PKCS input only as a DigestInfo"
                        + " of SHA-256, SHA-384 or SHA-512");
            }
            hash = prefix == DI_SHA256 ? Alg.SHA256 : prefix == DI_SHA384 ? Alg.SHA384 : Alg.SHA512;
            digest = Arrays.copyOfRange(data, prefix.length, data.length);
        } else if (m == Ck.CKM_RSA_PKCS_PSS) {
            scheme = Alg.RSAPSS;
            hash = pssHash(o.mechanism().pssHashAlg());
            if (data.length != Alg.digestSize(hash)) {
                throw new Pkcs11Exception(Ckr.DATA_LEN_RANGE, "CKM_RSA_PKCS_PSS takes a " + Alg.digestSize(hash)
                        + "-byte digest for its hashAlg");
            }
            digest = data;
        } else {
            scheme = Alg.RSASSA;
            hash = m == Ck.CKM_SHA256_RSA_PKCS ? Alg.SHA256 : m == Ck.CKM_SHA384_RSA_PKCS ? Alg.SHA384 : Alg.SHA512;
            digest = Alg.hash(hash, data);
        }
        KeyObject k = o.key();
        Cryptoki.Login l = module.login(token);
        byte[] secret = l == null ? null : l.secret();
        Signature sig = call(() -> {
            try (TpmSigner signer = module.tokens().signer(module.loadedKey(token, k.record), k.record, secret)) {
                return module.tokens().sign(token, signer, digest, scheme, hash);
            }
        });
        if (sig.isEcdsa()) {
            int n = curveBytes(k);
            byte[] out = new byte[2 * n];
            KeyObject.fixed(new java.math.BigInteger(1, sig.r()), out, 0, n);
            KeyObject.fixed(new java.math.BigInteger(1, sig.s()), out, n, n);
            return out;
        }
        return sig.rsa();
    }

    @Override
    public void close() {
        closed = true;
        op = null;
    }

    // ---- internals ----

    private void open() throws Pkcs11Exception {
        if (closed) {
            throw new Pkcs11Exception(Ckr.SESSION_HANDLE_INVALID, "this session is closed; open another");
        }
    }

    private TokenRecord record() throws Pkcs11Exception {
        return call(() -> module.tokens().store().requireToken(token));
    }

    private boolean loggedInAsUser() {
        Cryptoki.Login l = module.login(token);
        return l != null && l.userType() == Ck.CKU_USER;
    }

    private Cryptoki.Login requireLogin(long userType, String what) throws Pkcs11Exception {
        open();
        Cryptoki.Login l = module.login(token);
        if (l == null || l.userType() != userType) {
            throw new Pkcs11Exception(Ckr.USER_NOT_LOGGED_IN, what);
        }
        return l;
    }

    private KeyObject object(long handle, long ckrIfMissing) throws Pkcs11Exception {
        open();
        KeyObject o = module.object(handle);
        if (o == null || !o.token.equals(token)) {
            throw new Pkcs11Exception(ckrIfMissing, "no object with handle " + handle + " on this token;"
                    + " find it with C_FindObjects");
        }
        return o;
    }

    private static Map<Long, Object> attributes(KeyObject o, boolean pinless) throws Pkcs11Exception {
        try {
            return o.attributes(pinless);
        } catch (TpmException e) {
            throw new Pkcs11Exception(Ckr.GENERAL_ERROR, "key '" + o.record.label() + "' has an unreadable public"
                    + " area: " + e.getMessage(), e);
        }
    }

    private static boolean matches(Map<Long, Object> attrs, Map<Long, Object> template) {
        for (Map.Entry<Long, Object> e : template.entrySet()) {
            Object have = attrs.get(e.getKey());
            Object want = e.getValue() instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : e.getValue();
            if (want instanceof Integer i) {
                want = i.longValue();
            }
            boolean same = have instanceof byte[] a && want instanceof byte[] b ? Arrays.equals(a, b)
                    : have != null && have.equals(want);
            if (!same) {
                return false;
            }
        }
        return true;
    }

    private static int hashForLength(int n, String msg) throws Pkcs11Exception {
        switch (n) {
            case 32: return Alg.SHA256;
            case 48: return Alg.SHA384;
            case 64: return Alg.SHA512;
            default: throw new Pkcs11Exception(Ckr.DATA_LEN_RANGE, msg + ", not " + n + " bytes");
        }
    }

    private static int pssHash(long ckm) throws Pkcs11Exception {
        if (ckm == Ck.CKM_SHA256) {
            return Alg.SHA256;
        }
        if (ckm == Ck.CKM_SHA384) {
            return Alg.SHA384;
        }
        if (ckm == Ck.CKM_SHA512) {
            return Alg.SHA512;
        }
        throw new Pkcs11Exception(Ckr.MECHANISM_PARAM_INVALID, "CKM_RSA_PKCS_PSS needs hashAlg CKM_SHA256, CKM_SHA384"
                + " or CKM_SHA512");
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return data.length >= prefix.length && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static int modulusBytes(KeyObject k) throws Pkcs11Exception {
        return publicArea(k).rsaParms().keyBits() / 8;
    }

    private static int curveBytes(KeyObject k) throws Pkcs11Exception {
        return Alg.curveBytes(publicArea(k).eccParms().curve());
    }

    private static TpmtPublic publicArea(KeyObject k) throws Pkcs11Exception {
        try {
            return k.record.tpmPublic();
        } catch (TpmException e) {
            throw new Pkcs11Exception(Ckr.GENERAL_ERROR, e.getMessage(), e);
        }
    }

    private interface Call<T> {
        T run() throws PinException, StoreException, TpmException;
    }

    /** Maps the stack's typed errors to the CK_RV a PKCS#11 caller expects. */
    private static <T> T call(Call<T> c) throws Pkcs11Exception {
        try {
            return c.run();
        } catch (PinIncorrectException e) {
            throw new Pkcs11Exception(Ckr.PIN_INCORRECT, e.getMessage(), e);
        } catch (PinLockedException e) {
            throw new Pkcs11Exception(Ckr.PIN_LOCKED, e.getMessage(), e);
        } catch (PinException e) {
            throw new Pkcs11Exception(Ckr.USER_NOT_LOGGED_IN, e.getMessage(), e);
        } catch (StoreException e) {
            throw new Pkcs11Exception(Ckr.GENERAL_ERROR, e.getMessage(), e);
        } catch (TpmException e) {
            throw new Pkcs11Exception(Ckr.DEVICE_ERROR, "the TPM failed: " + e.getMessage(), e);
        }
    }
}
