package org.tpmssh.harness.wire;

import java.nio.file.Path;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.keys.TpmSigner;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;

/**
 * Our stack as the agent runs it, on a connection through the wire proxy: a token store, the ECC (H-2) storage
 * key, one PIN token with one ECC P-256 key. A "session" is one process's KeyRing; the first signature logs in
 * (TPM2_Unseal of the token secret) and later ones reuse the secret, as the agent does.
 */
final class OurStack implements AutoCloseable {
    static final String TOKEN = "wire";
    static final String KEY = "wirekey";
    static final char[] PIN = "wire-user-pin-5821".toCharArray();
    static final char[] SO_PIN = "wire-so-pin-9044".toCharArray();

    final Tokens tokens;
    private byte[] secret;

    private OurStack(Tokens tokens) {
        this.tokens = tokens;
    }

    /** Opens the store and the storage key through {@code tpm}, as an agent does when it starts. */
    static OurStack open(Tpm tpm, Path store) throws Exception {
        KeyRing ring = KeyRing.open(tpm, ParentKind.ECC.template());
        try {
            return new OurStack(new Tokens(TokenStore.open(store), ring, ParentKind.ECC));
        } catch (Exception | Error e) {
            ring.close();
            throw e;
        }
    }

    /** Makes the PIN token and its key (token init, then key create after a login). */
    KeyRecord provision() throws Exception {
        tokens.init(TOKEN, PIN, SO_PIN);
        byte[] s = tokens.loginUser(TOKEN, PIN);
        try {
            return tokens.createKey(TOKEN, KeyType.ECC_P256, KEY, false, "wire test", s);
        } finally {
            Secrets.wipe(s);
        }
    }

    KeyRecord key() throws Exception {
        return tokens.store().keyByLabel(TOKEN, KEY).orElseThrow();
    }

    /** The token secret after a login; kept for later signatures, as the agent keeps it. */
    byte[] login() throws Exception {
        if (secret == null) {
            secret = tokens.loginUser(TOKEN, PIN);
        }
        return secret;
    }

    /** One ECDSA P-256 signature over SHA-256(message), logging in first if this session has not. */
    Signature sign(TpmObject key, KeyRecord record, byte[] message) throws Exception {
        try (TpmSigner signer = tokens.signer(key, record, login())) {
            return tokens.sign(TOKEN, signer, WireFixture.sha256(message), Alg.ECDSA, Alg.SHA256);
        }
    }

    @Override
    public void close() {
        Secrets.wipe(secret);
        tokens.ring().close();
    }
}
