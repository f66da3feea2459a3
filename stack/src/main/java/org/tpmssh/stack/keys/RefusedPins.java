package org.tpmssh.stack.keys;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The PINs the TPM has refused in this process, each kept only as an HMAC under a key drawn when the memory is
 * made, so nothing in it can be tested against a PIN guess without that key.
 */
final class RefusedPins {
    private static final String HMAC = "HmacSHA256";
    /** Locks that serialise attempts with the same tag; a few, so unrelated keys rarely share one. */
    private static final int STRIPES = 64;

    private final SecretKeySpec key;
    private final int capacity;
    private final LinkedHashSet<ByteBuffer> tags = new LinkedHashSet<>();
    private final Object[] stripes = new Object[STRIPES];

    /** @param capacity refusals kept; the oldest goes first (the TPM locks out long before a real PIN source gets there) */
    RefusedPins(int capacity) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, HMAC);
        java.util.Arrays.fill(secret, (byte) 0);
        this.capacity = capacity;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    /** HMAC(key, length of target || target || authValue): names one authValue for one TPM object. */
    byte[] tag(byte[] target, byte[] authValue) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            mac.update(ByteBuffer.allocate(4).putInt(target.length).array());
            mac.update(target);
            mac.update(authValue);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JDK", e);
        }
    }

    /** The lock to hold from asking whether {@code tag} was refused until the TPM has judged it. */
    Object stripe(byte[] tag) {
        return stripes[(tag[0] & 0xff) % STRIPES];
    }

    synchronized boolean contains(byte[] tag) {
        return tags.contains(ByteBuffer.wrap(tag));
    }

    synchronized void add(byte[] tag) {
        tags.add(ByteBuffer.wrap(tag.clone()));
        if (tags.size() > capacity) {
            Iterator<ByteBuffer> oldest = tags.iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** Copies of the tags kept, for tests. */
    synchronized List<byte[]> entries() {
        List<byte[]> copies = new ArrayList<>();
        for (ByteBuffer t : tags) {
            copies.add(t.array().clone());
        }
        return copies;
    }
}
