package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.AgentMessages.*;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.tpmssh.stack.ssh.SshWireWriter;

/** Request bodies (type byte first, no length) as OpenSSH's clients write them, for tests that talk to the agent. */
final class AgentRequests {

    private AgentRequests() {
    }

    static byte[] identities() {
        return new byte[] {SSH_AGENTC_REQUEST_IDENTITIES};
    }

    static byte[] sign(byte[] blob, byte[] data, int flags) {
        return new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(blob).writeString(data)
                .writeUint32(flags).toByteArray();
    }

    static byte[] lock(String passphrase) {
        return new SshWireWriter().writeByte(SSH_AGENTC_LOCK).writeString(passphrase).toByteArray();
    }

    static byte[] unlock(String passphrase) {
        return new SshWireWriter().writeByte(SSH_AGENTC_UNLOCK).writeString(passphrase).toByteArray();
    }

    static byte[] remove(byte[] blob) {
        return new SshWireWriter().writeByte(SSH_AGENTC_REMOVE_IDENTITY).writeString(blob).toByteArray();
    }

    static byte[] removeAll() {
        return new byte[] {SSH_AGENTC_REMOVE_ALL_IDENTITIES};
    }

    /** ssh-add's add-identity without constraints; ECDSA as MINA writes it, which is OpenSSH's layout. */
    static byte[] add(KeyPair pair, String comment) {
        return addBody(SSH_AGENTC_ADD_IDENTITY, pair, comment);
    }

    /** ssh-add's add-identity with constraints; {@code constraints} are appended as given. */
    static byte[] addConstrained(KeyPair pair, String comment, byte[] constraints) {
        return concat(addBody(SSH_AGENTC_ADD_ID_CONSTRAINED, pair, comment), constraints);
    }

    static byte[] lifetime(long seconds) {
        return new SshWireWriter().writeByte(SSH_AGENT_CONSTRAIN_LIFETIME).writeUint32(seconds).toByteArray();
    }

    static byte[] confirm() {
        return new byte[] {SSH_AGENT_CONSTRAIN_CONFIRM};
    }

    private static byte[] addBody(int type, KeyPair pair, String comment) {
        if (pair.getPublic() instanceof RSAPublicKey pub) {
            // OpenSSH's order: n, e, d, iqmp, p, q (docs/agent.md).
            RSAPrivateCrtKey priv = (RSAPrivateCrtKey) pair.getPrivate();
            return new SshWireWriter().writeByte(type).writeString("ssh-rsa").writeMpint(pub.getModulus())
                    .writeMpint(pub.getPublicExponent()).writeMpint(priv.getPrivateExponent())
                    .writeMpint(priv.getCrtCoefficient()).writeMpint(priv.getPrimeP()).writeMpint(priv.getPrimeQ())
                    .writeString(comment).toByteArray();
        }
        ByteArrayBuffer add = new ByteArrayBuffer();
        add.putByte((byte) type);
        add.putKeyPair(pair);
        add.putString(comment);
        return add.getCompactData();
    }

    /** An RSA add-identity whose private exponent is {@code d}, everything else taken from {@code pair}. */
    static byte[] addRsaWithExponent(KeyPair pair, BigInteger d, String comment) {
        RSAPublicKey pub = (RSAPublicKey) pair.getPublic();
        RSAPrivateCrtKey priv = (RSAPrivateCrtKey) pair.getPrivate();
        return new SshWireWriter().writeByte(SSH_AGENTC_ADD_IDENTITY).writeString("ssh-rsa").writeMpint(pub.getModulus())
                .writeMpint(pub.getPublicExponent()).writeMpint(d).writeMpint(priv.getCrtCoefficient())
                .writeMpint(priv.getPrimeP()).writeMpint(priv.getPrimeQ()).writeString(comment).toByteArray();
    }

    static byte[] sessionBind(byte[] hostKey, byte[] sessionId, byte[] signature, boolean forwarding) {
        return new SshWireWriter().writeByte(SSH_AGENTC_EXTENSION).writeString(SESSION_BIND).writeString(hostKey)
                .writeString(sessionId).writeString(signature).writeByte(forwarding ? 1 : 0).toByteArray();
    }

    /** What ssh asks the agent to sign for a public-key login in session {@code sessionId}. */
    static byte[] userauth(byte[] sessionId) {
        return new SshWireWriter().writeString(sessionId).writeByte(50).writeString("user").writeString("ssh-connection")
                .writeString("publickey").writeByte(1).writeString("ecdsa-sha2-nistp256").writeString(new byte[4])
                .toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
