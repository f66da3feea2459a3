package org.tpmssh.stack.identities;

import org.tpmssh.stack.agent.AgentSignException;
import org.tpmssh.stack.agent.PinProtectedKey;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.objects.TpmObject;

/**
 * A stored key of a PIN token, as the agent sees it. Each signature logs in with the PIN the agent
 * passes (TPM2_Unseal of the token secret, counted by the TPM's dictionary-attack protection),
 * derives the key's authValue and signs; nothing secret outlives the call.
 */
final class StoredPinKey implements PinProtectedKey {
    private final Tokens tokens;
    private final String token;
    private final KeyRecord record;
    private final TpmObject object;
    private final String comment;
    private final byte[] blob;

    StoredPinKey(Tokens tokens, String token, KeyRecord record, TpmObject object, String comment)
            throws UnsupportedKeyTypeException {
        this.tokens = tokens;
        this.token = token;
        this.record = record;
        this.object = object;
        this.comment = comment;
        try (TpmSshKey probe = TpmSshKeys.of(tokens.ring(), object, new byte[0], comment)) {
            this.blob = probe.publicKeyBlob();
        }
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
        byte[] auth = null;
        try {
            secret = tokens.loginUser(token, pin);
            auth = Tokens.authValueFor(record, secret);
            try (TpmSshKey key = TpmSshKeys.of(tokens.ring(), object, auth, comment)) {
                return key.sign(data, flags);
            }
        } catch (PinIncorrectException | PinLockedException e) {
            throw e;
        } catch (PinException | StoreException | TpmException | UnsupportedKeyTypeException e) {
            throw new AgentSignException("key \"" + comment + "\" of token '" + token + "' cannot sign: "
                    + e.getMessage(), e);
        } finally {
            Secrets.wipe(secret);
            Secrets.wipe(auth);
        }
    }
}
