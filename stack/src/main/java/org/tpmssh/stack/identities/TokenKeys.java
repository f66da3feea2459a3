package org.tpmssh.stack.identities;

import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.tpmssh.stack.keys.ImportedKey;
import org.tpmssh.stack.keys.KeyImport;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.Tss2KeyFile;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.StoreListing;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.duplication.Duplication;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Joins the token store to the rest of the stack: puts imported keys and TSS2 files into a token, and turns a
 * token's keys into the identities the agent offers.
 */
public final class TokenKeys {
    private TokenKeys() {
    }

    /**
     * Imports an existing key pair into {@code token} with TPM2_Import. A key on a PIN token gets
     * its authValue from the token secret (so the caller must have logged in), unless it is
     * {@code pinless}. Returns the stored record.
     * <p>
     * The record is written before the key is first loaded (to prove it), and removed again if the proof fails:
     * so a process killed at any moment leaves loaded only objects whose Names the store knows, which the next
     * tpmssh may flush (docs/tpm-layer.md, "Leftovers").
     */
    public static KeyRecord importKey(Tokens tokens, String token, String keyLabel, KeyPair pair, boolean pinless,
            String comment, byte[] tokenSecret) throws PinException, StoreException, TpmException,
            UnsupportedKeyTypeException {
        refuseDuplicateLabel(tokens, token, keyLabel);
        Tokens.NewKeyAuth auth = tokens.newKeyAuth(token, pinless, tokenSecret);
        try {
            KeyImport.Wrapped w = KeyImport.wrapFor(tokens.ring(), pair, auth.authValue(), auth.pinless());
            byte[] blob = KeyImport.importBlob(tokens.ring(), w.publicArea(), w.duplication());
            KeyRecord record = tokens.addImportedKey(token, auth, keyLabel, algorithmOf(w.publicArea()),
                    w.publicArea(), blob, comment);
            proveStored(tokens, token, record, () -> KeyImport.loadAndProve(tokens.ring(), blob, w.publicArea(),
                    auth.authValue(), comment, pair.getPublic()));
            return record;
        } finally {
            Secrets.wipe(auth.authValue());
        }
    }

    /** Loads and proves a stored key; if it fails, the record goes again and the failure is thrown. */
    private static void proveStored(Tokens tokens, String token, KeyRecord record, Proof proof)
            throws StoreException, TpmException, UnsupportedKeyTypeException {
        ImportedKey imported;
        try {
            imported = proof.run();
        } catch (TpmException | UnsupportedKeyTypeException | RuntimeException e) {
            tokens.store().deleteKey(token, record.id());
            throw e;
        }
        imported.key().close();
        tokens.ring().cache().release(imported.key().object());
    }

    /** Loading a key and proving it. */
    @FunctionalInterface
    private interface Proof {
        ImportedKey run() throws TpmException, UnsupportedKeyTypeException;
    }

    /**
     * Adds a TSS2 key file to {@code token}: an importable file (a remote wrap made for this token's
     * storage key) is imported, a loadable file is checked by loading it. Only files without a
     * password (emptyAuth) can join a token, and they join as PIN-less keys: their authValue was
     * chosen where the file was made, not derived from this token's PIN. {@code source} names the
     * file in messages.
     */
    public static KeyRecord addFile(Tokens tokens, String token, String keyLabel, Tss2KeyFile file, Path source,
            String comment) throws StoreException, TpmException, UnsupportedKeyTypeException {
        TokenRecord t = tokens.store().requireToken(token);
        if (!file.emptyAuth()) {
            throw new StoreException("this key file has a password (emptyAuth is false); only password-less TSS2"
                    + " files can be added to a token. Import the original key with `tpmssh key import` instead");
        }
        refuseDuplicateLabel(tokens, token, keyLabel);
        boolean importable = Tss2KeyFile.IMPORTABLE.equals(file.type());
        byte[] privateBlob;
        if (importable) {
            try {
                privateBlob = KeyImport.importBlob(tokens.ring(), file.pubkey(),
                        new Duplication(file.privkey(), file.secret()));
            } catch (TpmException e) {
                throw wrappedForAnother(token, e);
            }
        } else if (Tss2KeyFile.LOADABLE.equals(file.type())) {
            privateBlob = file.privkey();
        } else {
            throw new StoreException("this TSS2 file holds a sealed secret, not a signing key");
        }
        boolean noDa = (file.pubkey().attributes() & org.tpmssh.tpm.structures.ObjectAttributes.NO_DA) != 0;
        KeyRecord record = new KeyRecord(KeyRecord.newId(), keyLabel, algorithmOf(file.pubkey()),
                KeyRecord.IMPORTED, true, t.parent(), file.pubkey().toBytes(), privateBlob, comment,
                KeyRecord.now());
        if (!noDa) {
            System.getLogger(TokenKeys.class.getName()).log(System.Logger.Level.INFO,
                    "key ''{0}'' is PIN-less but not noDA: a wrong authValue would count toward lockout", keyLabel);
        }
        tokens.store().addKey(token, record); // before the blob is loaded: see importKey
        if (importable) {
            try {
                proveStored(tokens, token, record, () -> KeyImport.loadAndProve(tokens.ring(), privateBlob,
                        file.pubkey(), new byte[0], comment, null));
            } catch (TpmException e) {
                throw wrappedForAnother(token, e);
            }
            return record;
        }
        TpmObject probe = tokens.ring().register(privateBlob, file.pubkey(), keyLabel);
        try {
            tokens.ring().cache().use(probe, h -> h);
        } catch (TpmException e) {
            tokens.store().deleteKey(token, record.id());
            // A TSS2 file records no TPM, so a refusal cannot tell a damaged blob from another TPM's.
            throw new StoreException(source + " does not load under token '" + token + "''s storage key ("
                    + e.getMessage() + "): its blob is damaged, or it was made under another parent or on another"
                    + " TPM", e);
        } finally {
            tokens.ring().cache().release(probe);
        }
        return record;
    }

    private static StoreException wrappedForAnother(String token, TpmException e) {
        return new StoreException("the TPM refused this wrapped key for token '" + token + "': it was wrapped"
                + " for another storage key. Wrap it again with the public key from `tpmssh key parent-pub"
                + " --token " + token + "`", e);
    }

    /**
     * The identities {@code token} offers to the ssh-agent, loaded lazily into the ring. PIN keys
     * implement {@link org.tpmssh.stack.ssh.PinProtectedKey} with the token label as PIN scope.
     * A key that cannot be offered (a damaged key file, a key type SSH lacks) is logged and skipped.
     */
    public static List<AgentKey> agentKeys(Tokens tokens, String token) throws StoreException {
        return agentKeys(tokens, token, why -> System.getLogger(TokenKeys.class.getName())
                .log(System.Logger.Level.WARNING, "skipping {0}", why));
    }

    /**
     * As {@link #agentKeys(Tokens, String)}, telling {@code skipped} in one sentence about each key
     * that is not offered, so that the rest of the token is served.
     */
    public static List<AgentKey> agentKeys(Tokens tokens, String token, Consumer<String> skipped)
            throws StoreException {
        StoreListing<KeyRecord> listing = tokens.store().listKeys(token);
        listing.damaged().forEach(d -> skipped.accept(d.message() + "; it was left as it is"));
        List<AgentKey> keys = new ArrayList<>();
        for (KeyRecord record : listing.records()) {
            TpmObject object = tokens.load(token, record);
            String comment = record.comment() == null || record.comment().isEmpty() ? record.label() : record.comment();
            try {
                if (record.pinless()) {
                    keys.add(TpmSshKeys.of(tokens.ring(), object, new byte[0], comment));
                } else {
                    keys.add(new StoredPinKey(tokens, token, record, object, comment));
                }
            } catch (UnsupportedKeyTypeException e) {
                skipped.accept("key '" + record.label() + "' of token '" + token + "' (" + tokens.store()
                        .keyFile(token, record.id()) + "), because it cannot be used for SSH: " + e.getMessage());
            }
        }
        return keys;
    }

    /** The user-facing algorithm name of a TPM public area: ecc-p256 … ecc-p521, rsa-2048, rsa-3072. */
    public static String algorithmOf(TpmtPublic pub) {
        return TpmSshKeys.KeyType.of(pub).map(TpmSshKeys.KeyType::label).orElseGet(() -> pub.isEcc()
                ? "ecc-0x" + Integer.toHexString(pub.eccParms().curve()) : "rsa-" + pub.rsaParms().keyBits());
    }

    private static void refuseDuplicateLabel(Tokens tokens, String token, String keyLabel) throws StoreException {
        if (tokens.store().keyByLabel(token, keyLabel).isPresent()) {
            throw new StoreException("token '" + token + "' already has a key labelled '" + keyLabel
                    + "'; choose another --label");
        }
    }

}
