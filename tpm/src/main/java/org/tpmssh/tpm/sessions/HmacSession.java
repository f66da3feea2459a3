package org.tpmssh.tpm.sessions;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.tpmssh.tpm.structures.Alg;

/**
 * A salted, optionally bound HMAC session with AES-CFB parameter encryption (Part 1, 19.6), which
 * proves an authValue without sending it. It belongs to one {@code Tpm} (docs/tpm-layer.md).
 */
public final class HmacSession implements Session {
    public static final int CONTINUE_SESSION = 0x01;
    public static final int DECRYPT = 0x20;
    public static final int ENCRYPT = 0x40;

    private final int handle;
    private final int authHash;
    private final byte[] sessionKey;
    private final byte[] bindName;
    private final int aesBits;
    private final int attributes;
    private byte[] nonceCaller;
    private byte[] nonceTpm;
    private volatile boolean open = true;
    private volatile boolean lastUse;

    private HmacSession(int handle, int authHash, byte[] sessionKey, byte[] bindName, int aesBits, int attributes,
            byte[] nonceCaller, byte[] nonceTpm) {
        this.handle = handle;
        this.authHash = authHash;
        this.sessionKey = sessionKey;
        this.bindName = bindName;
        this.aesBits = aesBits;
        this.attributes = attributes;
        this.nonceCaller = nonceCaller;
        this.nonceTpm = nonceTpm;
    }

    /**
     * Builds the session state after TPM2_StartAuthSession succeeded. The session key is
     * KDFa(authHash, bindAuth || salt, "ATH", nonceTPM, nonceCaller); empty when neither is set.
     */
    public static HmacSession established(int handle, int authHash, byte[] bindAuth, byte[] bindName, byte[] salt,
            int aesBits, int attributes, byte[] nonceCaller, byte[] nonceTpm) {
        byte[] key = new byte[0];
        boolean bound = bindName != null && bindName.length > 0;
        if (bound || (salt != null && salt.length > 0)) {
            byte[] auth = trimZeros(bindAuth == null ? new byte[0] : bindAuth);
            byte[] salted = concat(auth, salt == null ? new byte[0] : salt);
            key = Kdf.kdfa(authHash, salted, "ATH", nonceTpm, nonceCaller, Alg.digestSize(authHash) * 8);
            Arrays.fill(salted, (byte) 0);
            Arrays.fill(auth, (byte) 0);
        }
        return new HmacSession(handle, authHash, key, bound ? bindName.clone() : null, aesBits,
                attributes | CONTINUE_SESSION, nonceCaller, nonceTpm);
    }

    @Override
    public int handle() {
        return handle;
    }

    public int authHash() {
        return authHash;
    }

    public int attributes() {
        return attributes;
    }

    public boolean isOpen() {
        return open;
    }

    /** Marks the session gone (flushed, or lost with a TPM restart); its key is wiped. */
    public void invalidate() {
        open = false;
        Arrays.fill(sessionKey, (byte) 0);
    }

    /**
     * Makes the next command end the session: it is sent with continueSession clear, so the TPM flushes the session
     * when that command succeeds (and keeps it when the command fails, for the caller to flush).
     */
    public void endWithNextCommand() {
        lastUse = true;
    }

    /** Attributes to send for a command, dropping encryption flags the command's parameters cannot carry. */
    public int attributesFor(boolean commandParamEncryptable, boolean responseParamEncryptable) {
        int a = lastUse ? attributes & ~CONTINUE_SESSION : attributes;
        if (!commandParamEncryptable) {
            a &= ~DECRYPT;
        }
        if (!responseParamEncryptable) {
            a &= ~ENCRYPT;
        }
        return a;
    }

    /** Draws a fresh nonceCaller for the next command. */
    public byte[] rollNonceCaller(java.security.SecureRandom random) {
        byte[] n = new byte[Alg.digestSize(authHash)];
        random.nextBytes(n);
        nonceCaller = n;
        return n;
    }

    public byte[] nonceCaller() {
        return nonceCaller;
    }

    private byte[] hmacKey(byte[] authValue, byte[] entityName) {
        boolean bindTarget = bindName != null && entityName != null && MessageDigest.isEqual(bindName, entityName);
        if (bindTarget || authValue == null) {
            return sessionKey.clone();
        }
        byte[] trimmed = trimZeros(authValue);
        byte[] k = concat(sessionKey, trimmed);
        Arrays.fill(trimmed, (byte) 0);
        return k;
    }

    /** The command HMAC over cpHash || nonceCaller || nonceTPM || attributes. */
    public byte[] commandHmac(byte[] cpHash, int attrs, byte[] authValue, byte[] entityName) {
        return hmac(hmacKey(authValue, entityName), cpHash, nonceCaller, nonceTpm, attrs);
    }

    /**
     * Checks the response HMAC over rpHash || nonceTPM || nonceCaller || attributes and takes the
     * new nonceTPM. A mismatch means the response was tampered with or the session is out of step.
     */
    public boolean acceptResponse(byte[] rpHash, byte[] newNonceTpm, int attrs, byte[] hmac, byte[] authValue,
            byte[] entityName) {
        byte[] expected = hmac(hmacKey(authValue, entityName), rpHash, newNonceTpm, nonceCaller, attrs);
        nonceTpm = newNonceTpm;
        return MessageDigest.isEqual(expected, hmac);
    }

    /**
     * AES-CFB over a parameter buffer in place. For a command (the caller encrypts) the nonces are
     * nonceCaller, nonceTPM; for a response (the caller decrypts) nonceTPM, nonceCaller (Part 1, 21.3).
     */
    public void cfb(byte[] buf, int off, int len, byte[] authValue, boolean command) {
        byte[] value = concat(sessionKey, authValue == null ? new byte[0] : authValue);
        int keyBytes = aesBits / 8;
        byte[] keyIv = command
                ? Kdf.kdfa(authHash, value, "CFB", nonceCaller, nonceTpm, (keyBytes + 16) * 8)
                : Kdf.kdfa(authHash, value, "CFB", nonceTpm, nonceCaller, (keyBytes + 16) * 8);
        try {
            Cipher c = Cipher.getInstance("AES/CFB/NoPadding");
            SecretKeySpec k = new SecretKeySpec(keyIv, 0, keyBytes, "AES");
            c.init(command ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, k,
                    new IvParameterSpec(keyIv, keyBytes, 16));
            byte[] out = c.doFinal(buf, off, len);
            System.arraycopy(out, 0, buf, off, len);
            Arrays.fill(out, (byte) 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CFB unavailable in this JDK", e);
        } finally {
            Arrays.fill(value, (byte) 0);
            Arrays.fill(keyIv, (byte) 0);
        }
    }

    private byte[] hmac(byte[] key, byte[] pHash, byte[] nonceNewer, byte[] nonceOlder, int attrs) {
        try {
            Mac mac = Mac.getInstance(Alg.hmacName(authHash));
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HMAC"));
            mac.update(pHash);
            mac.update(nonceNewer);
            mac.update(nonceOlder);
            mac.update((byte) attrs);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC unavailable in this JDK", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** Part 1, 19.6.5 note 2: trailing zero octets of an authValue are not part of the HMAC key. */
    static byte[] trimZeros(byte[] auth) {
        int n = auth.length;
        while (n > 0 && auth[n - 1] == 0) {
            n--;
        }
        return Arrays.copyOf(auth, n);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    @Override
    public String toString() {
        return "HmacSession[" + String.format("0x%08x", handle) + (open ? "" : ", closed") + "]";
    }
}
