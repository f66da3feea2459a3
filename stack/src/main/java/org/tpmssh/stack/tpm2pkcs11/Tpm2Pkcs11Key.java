package org.tpmssh.stack.tpm2pkcs11;

import java.security.PublicKey;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * A private key of a tpm2-pkcs11 token, reduced to what can be shown without a TPM or a PIN: label, CKA_ID
 * and public half.
 *
 * @param tpmPrivateBlob the object carries a TPM2B_PRIVATE (loadable only under its token's primary)
 * @param wrappedAuth    its authValue is stored wrapped with the token's wrapping key (CKA_TPM2_OBJAUTH_ENC)
 */
public record Tpm2Pkcs11Key(int objectId, String label, byte[] ckaId, TpmtPublic tpmPublic, PublicKey publicKey,
        boolean tpmPrivateBlob, boolean wrappedAuth) {
    public Tpm2Pkcs11Key {
        ckaId = ckaId.clone();
    }

    @Override
    public byte[] ckaId() {
        return ckaId.clone();
    }

    /** The SSH wire blob of the public key. */
    public byte[] sshBlob() throws UnsupportedKeyTypeException {
        return SshPublicKeys.encode(publicKey);
    }

    /** One authorized_keys line, commented with the key's label. */
    public String authorizedKeysLine() throws UnsupportedKeyTypeException, SshWireFormatException {
        return SshPublicKeys.authorizedKeysLine(sshBlob(), label);
    }

    /** {@code ssh-keygen -l} style: bits, SHA256 fingerprint, label, (TYPE). */
    public String fingerprintLine() {
        return SshPublicKeys.fingerprintLine(publicKey, label);
    }
}
