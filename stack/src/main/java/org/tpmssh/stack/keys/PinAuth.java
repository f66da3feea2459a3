package org.tpmssh.stack.keys;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Turns a PIN into a TPM authValue: a hash for keys made outside a token, an HMAC keyed with the token's salt
 * for its seals (docs/SECURITY.md).
 */
public final class PinAuth {
    private static final byte[] DOMAIN = "tpmssh pin v1\0".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] SALTED_DOMAIN = "tpmssh seal auth v1\0".getBytes(StandardCharsets.US_ASCII);

    private PinAuth() {
    }

    /** The authValue for {@code pin}; the caller wipes both when done. */
    public static byte[] authValue(char[] pin) {
        if (pin == null || pin.length == 0) {
            return new byte[0];
        }
        ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pin));
        byte[] bytes = new byte[utf8.remaining()];
        utf8.get(bytes);
        if (utf8.hasArray()) {
            Arrays.fill(utf8.array(), (byte) 0);
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(DOMAIN);
            return md.digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * The authValue for {@code pin} on a token with {@code salt}: HMAC-SHA256(salt, domain || pin).
     * The salt makes equal PINs on two tokens give different authValues; guessing stays bounded
     * by the TPM's dictionary-attack lockout, not by this function. The caller wipes the result.
     */
    public static byte[] authValue(char[] pin, byte[] salt) {
        if (pin == null || pin.length == 0) {
            throw new IllegalArgumentException("a PIN token needs a non-empty PIN");
        }
        ByteBuffer utf8 = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pin));
        byte[] bytes = new byte[utf8.remaining()];
        utf8.get(bytes);
        if (utf8.hasArray()) {
            Arrays.fill(utf8.array(), (byte) 0);
        }
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(salt, "HmacSHA256"));
            mac.update(SALTED_DOMAIN);
            return mac.doFinal(bytes);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JDK", e);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }
}
