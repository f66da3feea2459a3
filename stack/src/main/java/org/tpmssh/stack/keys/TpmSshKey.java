package org.tpmssh.stack.keys;

import java.math.BigInteger;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.UnsupportedKeyTypeException;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmTransportException;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;

/** An SSH identity whose private half lives in the TPM; it signs through its {@link TpmSigner}. */
public final class TpmSshKey implements AgentKey, AutoCloseable {
    private final TpmSigner signer;
    private final byte[] blob;
    private final String comment;

    /** Takes {@code signer} over: closing this key closes it. */
    TpmSshKey(TpmSigner signer, String comment) throws UnsupportedKeyTypeException {
        this.signer = signer;
        this.comment = comment;
        this.blob = publicKeyBlob(signer.object());
    }

    /** The SSH public key blob of a TPM key, ECDSA (nistp256/384/521) or RSA. */
    public static byte[] publicKeyBlob(TpmObject object) throws UnsupportedKeyTypeException {
        try {
            return SshPublicKeys.encode(object.publicArea().toPublicKey());
        } catch (TpmException e) {
            throw new UnsupportedKeyTypeException("the TPM key's public area is unusable: " + e.getMessage());
        }
    }

    /**
     * The SSH signature blob of {@code data}, hashed here and signed in the TPM as {@code algorithm}
     * says (ECDSA for nistp256/384/521, RSASSA-PKCS1-v1_5 for RSA).
     */
    public static byte[] signature(TpmSigner signer, SshSignatureAlgorithm algorithm, byte[] data)
            throws PinException, TpmException {
        int hash = TpmSigner.hashNamed(algorithm.digestName());
        byte[] digest = Alg.hash(hash, data);
        if (algorithm.curve().isPresent()) {
            Signature sig = signer.sign(digest, Alg.ECDSA, hash);
            return SshSignatures.ecdsa(algorithm.curve().get(), new BigInteger(1, sig.r()), new BigInteger(1, sig.s()));
        }
        return SshSignatures.rsa(algorithm.sshName(), signer.sign(digest, Alg.RSASSA, hash).rsa());
    }

    public TpmObject object() {
        return signer.object();
    }

    @Override
    public byte[] publicKeyBlob() {
        return blob.clone();
    }

    @Override
    public String comment() {
        return comment;
    }

    /** The authorized_keys line: {@code ecdsa-sha2-nistp256 AAAA… comment}. */
    public String authorizedKeysLine() {
        try {
            return SshPublicKeys.authorizedKeysLine(blob, comment);
        } catch (Exception e) {
            throw new IllegalStateException("our own public key blob does not parse", e);
        }
    }

    /** Signs as the request's flags ask; with no RSA flag, ssh-rsa (SHA-1), which the agent allows only on request. */
    @Override
    public byte[] sign(byte[] data, int flags) throws AgentSignException {
        try {
            return signature(signer, SshSignatureAlgorithm.forRequest(blob, flags), data);
        } catch (PinException | SshWireFormatException e) {
            throw new AgentSignException(e.getMessage(), e);
        } catch (TpmException e) {
            throw signFailure("the TPM could not sign with key \"" + comment + "\": " + e.getMessage(), e);
        }
    }

    /** The agent's view of a TPM failure: a TPM that is gone or frozen fails every key alike, until it is back. */
    public static AgentSignException signFailure(String message, TpmException e) {
        return new AgentSignException(message, e, e instanceof TpmTransportException);
    }

    /** Forgets the unlocked authValue. The key stays in the TPM store. */
    @Override
    public void close() {
        signer.close();
    }
}
