package org.tpmssh.stack.agent;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshWireFormatException;

/**
 * A JCA key standing in for the TPM; it tests the agent protocol only, never the TPM path. It is
 * the agent's own in-memory key (the one `ssh-add` creates), made from a fresh key pair, so real
 * OpenSSH tools accept what the agent returns.
 */
final class SoftwareAgentKey implements AgentKey {

    private final MemoryKey key;

    private SoftwareAgentKey(MemoryKey key) {
        this.key = key;
    }

    static SoftwareAgentKey ecdsa(SshCurve curve, String comment) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve.jcaName()));
        return new SoftwareAgentKey(new MemoryKey(generator.generateKeyPair(), comment));
    }

    static SoftwareAgentKey rsa(int bits, String comment) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return new SoftwareAgentKey(new MemoryKey(generator.generateKeyPair(), comment));
    }

    String authorizedKeysLine() throws SshWireFormatException {
        return SshPublicKeys.authorizedKeysLine(key.publicKeyBlob(), key.comment());
    }

    @Override
    public byte[] publicKeyBlob() {
        return key.publicKeyBlob();
    }

    @Override
    public String comment() {
        return key.comment();
    }

    @Override
    public byte[] sign(byte[] data, int flags) throws AgentSignException {
        return key.sign(data, flags);
    }
}
