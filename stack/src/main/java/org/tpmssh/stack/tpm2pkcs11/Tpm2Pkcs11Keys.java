package org.tpmssh.stack.tpm2pkcs11;

import java.util.Arrays;
import java.util.List;
import org.tpmssh.stack.keys.ImportedKey;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.Tss2KeyFile;
import org.tpmssh.stack.keys.Tss2Keys;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * Uses a key that tpm2-pkcs11 made, as tpm2_ptool exports it, in our stack, under a transient twin of its
 * persistent primary (docs/tpm2-pkcs11.md).
 */
public final class Tpm2Pkcs11Keys {
    private Tpm2Pkcs11Keys() {
    }

    /** Why a tpm2-pkcs11 key cannot be used here; the message names the parents. */
    public static final class ParentMismatchException extends Exception {
        private static final long serialVersionUID = 1L;

        public ParentMismatchException(String message) {
            super(message);
        }
    }

    /**
     * Loads {@code file} under a transient twin of {@code primary}. The object auth is the one
     * tpm2_ptool export printed (copied; the caller wipes its own). The returned ring holds the
     * key; close it when done.
     */
    public static Tss2Keys.Loaded open(Tss2Keys.Connector tpm, Tss2KeyFile file, Tpm2Pkcs11Primary primary,
            byte[] objectAuth, String comment) throws Exception {
        if (primary.transientPrimary() || primary.publicArea() == null) {
            throw new ParentMismatchException("tpm2-pkcs11 primary: " + primary.describe() + "; only a persistent"
                    + " primary whose public area the store records can be re-created here");
        }
        if (file.parent() != primary.persistentHandle()) {
            throw new ParentMismatchException("this key's parent is " + Handles.hex(file.parent())
                    + " but the tpm2-pkcs11 primary is " + primary.describe());
        }
        TpmtPublic template = twinTemplate(primary.publicArea());
        Tpm connection = tpm.open();
        KeyRing ring;
        try {
            ring = KeyRing.open(connection, template);
        } catch (Exception | Error e) {
            connection.close();
            throw e;
        }
        try {
            if (!Arrays.equals(ring.srk().name(), primary.publicArea().name())) {
                throw new ParentMismatchException("the storage key re-created from " + Tpm2Pkcs11Primary.template(
                        primary.publicArea()) + " is not tpm2-pkcs11's " + primary.describe() + ": this is another"
                        + " TPM, or its owner hierarchy was cleared since tpm2_ptool init");
            }
            TpmObject obj = ring.register(file.privkey(), file.pubkey(), comment);
            ring.cache().use(obj, h -> new ReadPublic(h).execute(ring.tpm())); // loads it: INTEGRITY if not ours
            TpmSshKey key = TpmSshKeys.of(ring, obj, objectAuth == null ? new byte[0] : objectAuth, comment);
            return new Tss2Keys.Loaded(ring, template, new ImportedKey(file.privkey().clone(), file.pubkey(), key));
        } catch (Exception | Error e) {
            ring.close();
            throw e;
        }
    }

    /** The tpm2-tools template that, in the owner hierarchy, yields a key of {@code primary}'s shape. */
    static TpmtPublic twinTemplate(TpmtPublic primary) throws ParentMismatchException, UnsupportedKeyTypeException {
        for (TpmtPublic t : List.of(Templates.srkRsa(), Templates.srkEcc())) {
            if (t.type() == primary.type() && t.nameAlg() == primary.nameAlg()
                    && t.attributes() == primary.attributes() && t.parms().equals(primary.parms())
                    && Arrays.equals(t.authPolicy(), primary.authPolicy())) {
                return t;
            }
        }
        throw new ParentMismatchException("tpm2-pkcs11's primary is a " + Tpm2Pkcs11Primary.template(primary)
                + "; tpmssh can re-create only the tpm2-tools default RSA or ECC storage key");
    }
}
