package org.tpmssh.stack.store;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.tpmssh.stack.keys.PinAttempts;
import org.tpmssh.stack.keys.PinAuth;
import org.tpmssh.stack.keys.TpmSigner;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.Create;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Tokens and their PINs on one TPM: a PIN token's secret is sealed under the user and SO PINs, and each key's
 * authValue derives from it (docs/SECURITY.md).
 */
public final class Tokens {
    private static final byte[] KEY_AUTH_DOMAIN = "tpmssh key auth v1".getBytes(StandardCharsets.US_ASCII);
    private static final int SECRET_BYTES = 32;

    private final TokenStore store;
    private final KeyRing ring;
    private final ParentKind parent;
    private final SecureRandom random = new SecureRandom();

    /** {@code ring} must have been opened with {@code parent.template()}. */
    public Tokens(TokenStore store, KeyRing ring, ParentKind parent) {
        this.store = store;
        this.ring = ring;
        this.parent = parent;
    }

    public TokenStore store() {
        return store;
    }

    public KeyRing ring() {
        return ring;
    }

    /**
     * Makes a token. With a user PIN, both PINs are required and the token secret is sealed
     * under each; with a null or empty user PIN the token is PIN-less (no seals, noDA keys) and
     * the SO PIN is ignored. The caller wipes the PINs.
     */
    public TokenRecord init(String label, char[] userPin, char[] soPin) throws StoreException, TpmException {
        boolean pinless = userPin == null || userPin.length == 0;
        if (store.token(label).isPresent()) {
            throw new StoreException("a token labelled '" + label + "' already exists; choose another label");
        }
        if (pinless) {
            TokenRecord t = new TokenRecord(label, true, parent, null, null, null, KeyRecord.now(), ring.srk().name());
            store.addToken(t);
            return t;
        }
        if (soPin == null || soPin.length == 0) {
            throw new StoreException("a token with a user PIN needs an SO PIN too, to reset a forgotten user PIN");
        }
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        byte[] secret = new byte[SECRET_BYTES];
        random.nextBytes(secret);
        try {
            TokenRecord t = new TokenRecord(label, false, parent, salt, seal(secret, userPin, salt),
                    seal(secret, soPin, salt), KeyRecord.now(), ring.srk().name());
            store.addToken(t);
            return t;
        } finally {
            Secrets.wipe(secret);
        }
    }

    /** Logs the user in: unseals and returns the token secret, which the caller wipes. */
    public byte[] loginUser(String label, char[] userPin) throws PinException, StoreException, TpmException {
        TokenRecord t = pinToken(label);
        return unseal(t, t.userSeal(), userPin, "user PIN");
    }

    /** Logs the security officer in: unseals the token secret with the SO PIN. */
    public byte[] loginSo(String label, char[] soPin) throws PinException, StoreException, TpmException {
        TokenRecord t = pinToken(label);
        return unseal(t, t.soSeal(), soPin, "SO PIN");
    }

    public void changeUserPin(String label, char[] oldPin, char[] newPin)
            throws PinException, StoreException, TpmException {
        byte[] secret = loginUser(label, oldPin);
        try {
            setUserPin(label, secret, newPin);
        } finally {
            Secrets.wipe(secret);
        }
    }

    /** Re-seals an unsealed token secret under a new user PIN (PKCS#11 C_InitPIN after SO login, and PIN changes). */
    public void setUserPin(String label, byte[] tokenSecret, char[] newPin)
            throws PinException, StoreException, TpmException {
        TokenRecord t = pinToken(label);
        store.replaceToken(t.withUserSeal(seal(tokenSecret, nonEmpty(newPin, "new user PIN"), t.salt())));
    }

    /** Re-seals an unsealed token secret under a new SO PIN. */
    public void setSoPin(String label, byte[] tokenSecret, char[] newPin)
            throws PinException, StoreException, TpmException {
        TokenRecord t = pinToken(label);
        store.replaceToken(t.withSoSeal(seal(tokenSecret, nonEmpty(newPin, "new SO PIN"), t.salt())));
    }

    public void resetUserPin(String label, char[] soPin, char[] newUserPin)
            throws PinException, StoreException, TpmException {
        byte[] secret = loginSo(label, soPin);
        try {
            setUserPin(label, secret, newUserPin);
        } finally {
            Secrets.wipe(secret);
        }
    }

    public void changeSoPin(String label, char[] oldSoPin, char[] newSoPin)
            throws PinException, StoreException, TpmException {
        byte[] secret = loginSo(label, oldSoPin);
        try {
            setSoPin(label, secret, newSoPin);
        } finally {
            Secrets.wipe(secret);
        }
    }

    /** Removes the token's directory and its keys (the TPM holds nothing of them persistently). */
    public void delete(String label) throws StoreException {
        store.deleteToken(label);
    }

    /**
     * Creates a sign-only key (fixedTPM|fixedParent|sensitiveDataOrigin|userWithAuth|sign) in
     * the TPM and stores its record. A key on a PIN-less token, or one asked to be {@code pinless},
     * has an empty authValue and is noDA; otherwise it is DA-protected and its authValue comes from
     * {@code tokenSecret} (from {@link #loginUser}). Refuses, with a clear message, a type the TPM lacks.
     */
    public KeyRecord createKey(String tokenLabel, KeyType type, String keyLabel, boolean pinless, String comment,
            byte[] tokenSecret) throws PinException, StoreException, TpmException {
        TokenRecord t = store.requireToken(tokenLabel);
        checkParent(t);
        boolean noAuth = t.pinless() || pinless;
        if (!noAuth && (tokenSecret == null || tokenSecret.length == 0)) {
            throw new PinException("log in to token '" + tokenLabel + "' with the user PIN before creating a key"
                    + " that needs it");
        }
        if (store.keyByLabel(tokenLabel, keyLabel).isPresent()) {
            throw new StoreException("token '" + tokenLabel + "' already has a key labelled '" + keyLabel + "'");
        }
        TpmtPublic template = template(type, noAuth);
        String id = KeyRecord.newId();
        byte[] auth = noAuth ? new byte[0] : keyAuth(tokenSecret, id);
        try {
            Create.Result r;
            try {
                r = ring.createBlob(template, auth, null);
            } catch (TpmResponseException e) {
                if (e.is(ResponseCodes.KEY_SIZE) || e.is(ResponseCodes.VALUE) || e.is(ResponseCodes.CURVE)) {
                    throw new StoreException("this TPM cannot create " + type.label() + " keys (" + e.rcName()
                            + "); choose ecc-p256 or rsa-2048", e);
                }
                throw e;
            }
            KeyRecord k = new KeyRecord(id, keyLabel, type.label(), KeyRecord.CREATED, noAuth, t.parent(),
                    r.outPublic().toBytes(), r.outPrivate(), comment, KeyRecord.now());
            store.addKey(tokenLabel, k);
            return k;
        } finally {
            Secrets.wipe(auth);
        }
    }

    /** A key id chosen before the key exists, and the authValue the key must carry. The caller wipes authValue. */
    public record NewKeyAuth(String id, boolean pinless, byte[] authValue) {
        @Override
        public String toString() {
            return "NewKeyAuth[" + id + (pinless ? " pin-less" : "") + "]"; // never the authValue
        }
    }

    /**
     * First step of an import (TPM2_Import by other code): picks the key id and returns the
     * authValue the imported key must be given: empty for a PIN-less key or token, else derived
     * from the token secret like a created key's. Then call {@link #addImportedKey}.
     */
    public NewKeyAuth newKeyAuth(String tokenLabel, boolean pinless, byte[] tokenSecret)
            throws PinException, StoreException {
        TokenRecord t = store.requireToken(tokenLabel);
        checkParent(t);
        boolean noAuth = t.pinless() || pinless;
        if (!noAuth && (tokenSecret == null || tokenSecret.length == 0)) {
            throw new PinException("log in to token '" + tokenLabel + "' with the user PIN before importing a key"
                    + " that needs it");
        }
        String id = KeyRecord.newId();
        return new NewKeyAuth(id, noAuth, noAuth ? new byte[0] : keyAuth(tokenSecret, id));
    }

    /**
     * Second step of an import: stores the private blob and public area that TPM2_Import returned
     * for a key made with {@code auth.authValue()}. A PIN-less key must be noDA and a key with a
     * PIN must not be; anything else is refused rather than stored.
     */
    public KeyRecord addImportedKey(String tokenLabel, NewKeyAuth auth, String keyLabel, String algorithm,
            TpmtPublic publicArea, byte[] privateBlob, String comment) throws StoreException {
        TokenRecord t = store.requireToken(tokenLabel);
        checkParent(t);
        boolean noDa = (publicArea.attributes() & org.tpmssh.tpm.structures.ObjectAttributes.NO_DA) != 0;
        if (noDa != auth.pinless()) {
            throw new StoreException("the imported key's noDA attribute does not match its PIN: a PIN-less key"
                    + " must be noDA and a key with a PIN must be DA-protected; import it again");
        }
        KeyRecord k = new KeyRecord(auth.id(), keyLabel, algorithm, KeyRecord.IMPORTED, auth.pinless(), t.parent(),
                publicArea.toBytes(), privateBlob, comment, KeyRecord.now());
        store.addKey(tokenLabel, k);
        return k;
    }

    private TpmtPublic template(KeyType type, boolean noDa) throws StoreException, TpmException {
        if (type.isEcc()) {
            if (!GetCapability.eccCurves(ring.tpm()).contains(type.curve())) {
                throw new StoreException("this TPM does not support " + type.label()
                        + " (it is not among the curves GetCapability lists); choose another key type");
            }
            return Templates.eccSigningKey(type.curve(), noDa);
        }
        if (!GetCapability.algorithms(ring.tpm()).contains(Alg.RSA)) {
            throw new StoreException("this TPM does not implement RSA; choose an ecc key type");
        }
        return Templates.rsaSigningKey(type.rsaBits(), noDa);
    }

    /** The authValue of key {@code keyId}: HMAC-SHA256(token secret, "tpmssh key auth v1" || id). Caller wipes. */
    public static byte[] keyAuth(byte[] tokenSecret, String keyId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(tokenSecret, "HmacSHA256"));
            mac.update(KEY_AUTH_DOMAIN);
            return mac.doFinal(keyId.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JDK", e);
        }
    }

    /** The authValue to use for {@code key}: empty for a PIN-less key, else derived from the token secret. */
    public static byte[] authValueFor(KeyRecord key, byte[] tokenSecret) throws PinException {
        if (key.pinless()) {
            return new byte[0];
        }
        if (tokenSecret == null || tokenSecret.length == 0) {
            throw new PinException("key '" + key.label() + "' needs the token's user PIN; log in first");
        }
        return keyAuth(tokenSecret, key.id());
    }

    /** Brings a stored key into the key ring (it is loaded on first use). */
    public TpmObject load(String tokenLabel, KeyRecord key) throws StoreException {
        checkParent(store.requireToken(tokenLabel));
        try {
            return ring.register(key.privateBlob(), key.tpmPublic(), key.label());
        } catch (TpmException e) {
            throw new StoreException("key '" + key.label() + "' has an unreadable public area: " + e.getMessage(), e);
        }
    }

    /**
     * The signer of a stored key that {@link #load} brought into the ring, its authValue derived from
     * {@code tokenSecret} (unused for a PIN-less key). The caller closes it.
     */
    public TpmSigner signer(TpmObject key, KeyRecord record, byte[] tokenSecret) throws PinException {
        byte[] auth = authValueFor(record, record.pinless() ? null : tokenSecret);
        try {
            return TpmSigner.of(ring, key, auth, record.label());
        } finally {
            Secrets.wipe(auth);
        }
    }

    /** Signs with a stored key's signer; a key blob this TPM cannot load is reported as the token's problem. */
    public Signature sign(String tokenLabel, TpmSigner signer, byte[] digest, int scheme, int hash)
            throws PinException, StoreException, TpmException {
        try {
            return signer.sign(digest, scheme, hash);
        } catch (TpmResponseException e) {
            throw loadFailure(e, tokenLabel, "key '" + signer.label() + "'", keyFileOf(tokenLabel, signer.label()));
        }
    }

    // ---- internals ----

    private TokenRecord pinToken(String label) throws StoreException {
        TokenRecord t = store.requireToken(label);
        if (t.pinless()) {
            throw new StoreException("token '" + label + "' is PIN-less: it has no PIN to log in with or change");
        }
        checkParent(t);
        return t;
    }

    private void checkParent(TokenRecord t) throws StoreException {
        if (t.parent() != parent) {
            throw new StoreException("token '" + t.label() + "' lives under the " + t.parent().json()
                    + " storage key but this session opened the " + parent.json() + " one");
        }
        if (t.parentName() != null && !java.util.Arrays.equals(t.parentName(), ring.srk().name())) {
            throw new StoreException("token '" + t.label() + "' belongs to another TPM (or this TPM was cleared):"
                    + " its storage key differs here. Use the TPM that created it, or make a new token");
        }
    }

    private TokenRecord recordOrNull(String token) {
        try {
            return store.token(token).orElse(null);
        } catch (StoreException e) {
            return null;
        }
    }

    /** The file of the key labelled {@code keyLabel}, for an error message; the keys directory if it is gone. */
    private Path keyFileOf(String token, String keyLabel) {
        try {
            return store.keyByLabel(token, keyLabel).map(k -> store.keyFile(token, k.id()))
                    .orElse(store.tokenFile(token).resolveSibling("keys"));
        } catch (StoreException e) {
            return store.tokenFile(token).resolveSibling("keys");
        }
    }

    private static char[] nonEmpty(char[] pin, String what) throws PinException {
        if (pin == null || pin.length == 0) {
            throw new PinException("the " + what + " must not be empty");
        }
        return pin;
    }

    private TokenRecord.Seal seal(byte[] secret, char[] pin, byte[] salt) throws TpmException {
        byte[] auth = PinAuth.authValue(pin, salt);
        try {
            Create.Result r = ring.createBlob(Templates.sealedData(false), auth, secret);
            return new TokenRecord.Seal(r.outPublic().toBytes(), r.outPrivate());
        } finally {
            Secrets.wipe(auth);
        }
    }

    private byte[] unseal(TokenRecord t, TokenRecord.Seal seal, char[] pin, String which)
            throws PinException, StoreException, TpmException {
        if (pin == null || pin.length == 0) {
            throw new PinIncorrectException("no " + which + " was given for token '" + t.label() + "'");
        }
        TpmtPublic pub = TpmtPublic.fromBytes(seal.publicArea());
        TpmObject obj = ring.register(seal.privateBlob(), pub, "seal:" + t.label());
        byte[] auth = PinAuth.authValue(pin, t.salt());
        try {
            return PinAttempts.attempt("the " + which + " for token '" + t.label() + "'", obj, auth,
                    () -> ring.unseal(obj, auth));
        } catch (TpmResponseException e) {
            throw loadFailure(e, t.label(), "the " + which + " seal", store.tokenFile(t.label()));
        } finally {
            Secrets.wipe(auth);
            try {
                ring.cache().release(obj);
            } catch (TpmException e) {
                System.getLogger(Tokens.class.getName()).log(System.Logger.Level.DEBUG,
                        "could not flush a seal object: {0}", e.getMessage());
            }
        }
    }

    /**
     * A StoreException when the TPM could not load the token's object from {@code file} (damaged here, or
     * another TPM's), else {@code e} itself; PIN refusals are {@link PinAttempts}' to map, before this.
     */
    private TpmResponseException loadFailure(TpmResponseException e, String token, String what, Path file)
            throws StoreException {
        if (LoadRefusal.isLoadFailure(e)) {
            throw LoadRefusal.explain(e, recordOrNull(token), ring.srk().name(), what + " of token '" + token + "'",
                    file);
        }
        return e;
    }
}
