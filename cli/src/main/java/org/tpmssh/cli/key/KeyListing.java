package org.tpmssh.cli.key;

import java.security.PublicKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.tpm.TpmException;

/**
 * How a stored key is shown to a person, in {@code ssh-keygen -y} and {@code ssh-keygen -l}
 * formats, from the record's public area alone (no TPM).
 */
final class KeyListing {
    private KeyListing() {
    }

    static PublicKey publicKey(KeyRecord k) throws TpmException {
        return k.tpmPublic().toPublicKey();
    }

    /** The comment OpenSSH shows: the key's comment, else its label (as the agent offers it). */
    static String comment(KeyRecord k) {
        return k.comment() == null || k.comment().isBlank() ? k.label() : k.comment();
    }

    static String authorizedKeysLine(KeyRecord k) throws TpmException, SshWireFormatException {
        return SshPublicKeys.authorizedKeysLine(SshPublicKeys.encode(publicKey(k)), comment(k));
    }

    /** {@code ssh-keygen -l} style; the fingerprint is MINA's SHA-256 one, as OpenSSH prints it. */
    static String fingerprintLine(KeyRecord k) throws TpmException {
        return SshPublicKeys.fingerprintLine(publicKey(k), k.label());
    }

    /** The {@code --algorithm} value for a key type, and back. */
    static TpmSshKeys.KeyType keyType(String algorithm) {
        for (TpmSshKeys.KeyType t : TpmSshKeys.KeyType.values()) {
            if (t.label().equals(algorithm)) {
                return t;
            }
        }
        return null;
    }
}
