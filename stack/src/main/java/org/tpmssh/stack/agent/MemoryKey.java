package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import javax.security.auth.DestroyFailedException;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.ssh.SshWireFormatException;

/**
 * A key that {@code ssh-add} gave the agent, held in memory as OpenSSH's agent holds it and destroyed when
 * forgotten (docs/agent.md).
 */
final class MemoryKey implements AgentKey, AutoCloseable {

    private volatile KeyPair pair;
    private final byte[] blob;
    private final String comment;

    MemoryKey(KeyPair pair, String comment) throws AddedKeyRefusedException {
        this.comment = comment;
        try {
            this.blob = SshPublicKeys.encode(pair.getPublic());
        } catch (SshWireFormatException e) {
            throw new AddedKeyRefusedException("cannot hold this key: " + e.getMessage(), e);
        }
        this.pair = pair;
        selfTest();
    }

    /** A key whose halves do not match would sign for nobody; find out now, not at login. */
    private void selfTest() throws AddedKeyRefusedException {
        byte[] probe = "tpmssh added-key self test".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            int flags = AgentKey.SSH_AGENT_RSA_SHA2_256;
            if (!SshSignatureAlgorithm.forRequest(blob, flags).verify(pair.getPublic(), probe, sign(probe, flags))) {
                throw new AddedKeyRefusedException("the private key does not match its public key");
            }
        } catch (AgentSignException | GeneralSecurityException | SshWireFormatException e) {
            throw new AddedKeyRefusedException("the key does not sign: " + e.getMessage(), e);
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
    public byte[] sign(byte[] data, int flags) throws AgentSignException {
        try {
            SshSignatureAlgorithm algorithm = SshSignatureAlgorithm.forRequest(blob, flags);
            return algorithm.blobFromJca(jca(algorithm.jcaSignatureAlgorithm(), data));
        } catch (GeneralSecurityException | SshWireFormatException e) {
            throw new AgentSignException("added key \"" + comment + "\" could not sign: " + e.getMessage(), e);
        }
    }

    private byte[] jca(String algorithm, byte[] data) throws GeneralSecurityException {
        KeyPair current = pair;
        if (current == null) {
            throw new GeneralSecurityException("the key was removed");
        }
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(current.getPrivate());
        signer.update(data);
        return signer.sign();
    }

    @Override
    public void close() {
        KeyPair old = pair;
        pair = null;
        if (old != null && !old.getPrivate().isDestroyed()) {
            try {
                old.getPrivate().destroy();
            } catch (DestroyFailedException e) {
                LOG.log(Level.TRACE, "agent: the JDK cannot destroy a {0} key; dropped it", old.getPrivate().getAlgorithm());
            }
        }
    }
}
