package org.tpmssh.stack.identities;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.tpmssh.stack.keys.TpmSigner;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.PinProtectedKey;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.objects.TpmObject;

/**
 * A stored key of a PIN token as the agent offers it: it logs in with the PIN it is given and then remembers
 * the token secret for that PIN only (docs/SECURITY.md).
 */
final class StoredPinKey implements PinProtectedKey, AutoCloseable {
    private final Tokens tokens;
    private final String token;
    private final KeyRecord record;
    private final TpmObject object;
    private final String comment;
    private final byte[] blob;
    private final byte[] memoKey = new byte[32];
    private byte[] memoTag;
    private byte[] memoSecret;

    StoredPinKey(Tokens tokens, String token, KeyRecord record, TpmObject object, String comment)
            throws UnsupportedKeyTypeException {
        this.tokens = tokens;
        this.token = token;
        this.record = record;
        this.object = object;
        this.comment = comment;
        this.blob = TpmSshKey.publicKeyBlob(object);
        new SecureRandom().nextBytes(memoKey);
    }

    @Override
    public byte[] publicKeyBlob() {
        return blob.clone();
    }

    @Override
    public String comment() {
        return comment;
    }

    @Override
    public String pinScope() {
        return token;
    }

    @Override
    public byte[] sign(byte[] data, int flags, char[] pin)
            throws AgentSignException, PinIncorrectException, PinLockedException {
        byte[] secret = null;
        try {
            secret = secretFor(pin);
            try (TpmSigner signer = tokens.signer(object, record, secret)) {
                return TpmSshKey.signature(signer, SshSignatureAlgorithm.forRequest(blob, flags), data);
            }
        } catch (PinIncorrectException | PinLockedException e) {
            throw e;
        } catch (TpmException e) {
            throw TpmSshKey.signFailure("key \"" + comment + "\" of token '" + token + "' cannot sign: "
                    + e.getMessage(), e);
        } catch (PinException | StoreException | SshWireFormatException e) {
            throw new AgentSignException("key \"" + comment + "\" of token '" + token + "' cannot sign: "
                    + e.getMessage(), e);
        } finally {
            Secrets.wipe(secret);
        }
    }

    /** The token secret for {@code pin}: remembered if this PIN opened it before, else from the TPM. Caller wipes. */
    private synchronized byte[] secretFor(char[] pin) throws PinException, StoreException, TpmException {
        byte[] tag = tag(pin);
        try {
            if (memoSecret != null && MessageDigest.isEqual(tag, memoTag)) {
                return memoSecret.clone();
            }
            forget();
            byte[] secret = tokens.loginUser(token, pin);
            memoSecret = secret.clone();
            memoTag = tag.clone();
            return secret;
        } finally {
            Secrets.wipe(tag);
        }
    }

    private byte[] tag(char[] pin) {
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pin == null ? new char[0] : pin));
        byte[] utf8 = new byte[encoded.remaining()];
        encoded.get(utf8);
        Secrets.wipe(encoded.array());
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(memoKey, "HmacSHA256"));
            return mac.doFinal(utf8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JDK", e);
        } finally {
            Secrets.wipe(utf8);
        }
    }

    private void forget() {
        Secrets.wipe(memoSecret);
        Secrets.wipe(memoTag);
        memoSecret = null;
        memoTag = null;
    }

    /** Wipes the remembered token secret. */
    @Override
    public synchronized void close() {
        forget();
    }
}
