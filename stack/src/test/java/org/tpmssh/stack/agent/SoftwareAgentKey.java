package org.tpmssh.stack.agent;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireFormatException;

/**
 * A JCA key standing in for the TPM; it tests the agent protocol only, never the TPM path.
 * It signs exactly as SSH requires, so real OpenSSH tools accept what the agent returns.
 */
final class SoftwareAgentKey implements AgentKey {

    private final KeyPair pair;
    private final byte[] blob;
    private final String comment;
    private final SshCurve curve;

    private SoftwareAgentKey(KeyPair pair, String comment) throws SshWireFormatException {
        this.pair = pair;
        this.blob = SshPublicKeys.encode(pair.getPublic());
        this.comment = comment;
        this.curve = pair.getPublic() instanceof ECPublicKey
                ? SshCurve.of(((ECPublicKey) pair.getPublic()).getParams()).orElseThrow()
                : null;
    }

    static SoftwareAgentKey ecdsa(SshCurve curve, String comment) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve.jcaName()));
        return new SoftwareAgentKey(generator.generateKeyPair(), comment);
    }

    static SoftwareAgentKey rsa(int bits, String comment) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        return new SoftwareAgentKey(generator.generateKeyPair(), comment);
    }

    String authorizedKeysLine() throws SshWireFormatException {
        return SshPublicKeys.authorizedKeysLine(blob, comment);
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
            if (curve != null) {
                return SshSignatures.ecdsaFromDer(curve, jcaSign(curve.jcaSignatureAlgorithm(), data));
            }
            if ((flags & SSH_AGENT_RSA_SHA2_512) != 0) {
                return SshSignatures.rsa(SshSignatures.RSA_SHA2_512, jcaSign("SHA512withRSA", data));
            }
            if ((flags & SSH_AGENT_RSA_SHA2_256) != 0) {
                return SshSignatures.rsa(SshSignatures.RSA_SHA2_256, jcaSign("SHA256withRSA", data));
            }
            return SshSignatures.rsa(SshSignatures.SSH_RSA, jcaSign("SHA1withRSA", data));
        } catch (GeneralSecurityException | SshWireFormatException e) {
            throw new AgentSignException("software key '" + comment + "' could not sign: " + e.getMessage(), e);
        }
    }

    private byte[] jcaSign(String algorithm, byte[] data) throws GeneralSecurityException {
        Signature signature = Signature.getInstance(algorithm);
        signature.initSign(pair.getPrivate());
        signature.update(data);
        return signature.sign();
    }
}
