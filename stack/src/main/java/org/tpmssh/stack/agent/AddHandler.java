package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_CONSTRAIN_CONFIRM;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_CONSTRAIN_EXTENSION;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_CONSTRAIN_LIFETIME;
import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import org.apache.sshd.common.SshException;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;

/**
 * Answers add-identity: parses the private key and its constraints, and hands the key to the
 * {@link AddedKeyPolicy}.
 */
final class AddHandler {

    private final KeyTable keys;
    private final AddedKeyPolicy policy;

    AddHandler(KeyTable keys, AddedKeyPolicy policy) {
        this.keys = keys;
        this.policy = policy;
    }

    byte[] add(SshWireReader reader, boolean constrained) throws SshWireFormatException {
        String type = reader.readUtf8();
        if (type.equals("ssh-ed25519") || type.startsWith("sk-") || type.contains("-cert-v01@openssh.com")) {
            LOG.log(Level.WARNING, "agent: refusing to add a {0} key: a TPM 2.0 cannot hold it, so tpmssh does not"
                    + " either; keep it in OpenSSH''s ssh-agent, or create an ECDSA key with `tpmssh key create`",
                    type.replaceAll("\\p{Cntrl}", "?"));
            return AgentMessages.failure();
        }
        KeyPair pair = readKeyPair(type, reader);
        String comment = reader.readUtf8();
        long lifetime = 0;
        boolean confirm = false;
        while (constrained && reader.hasRemaining()) {
            int constraint = reader.readByte();
            if (constraint == SSH_AGENT_CONSTRAIN_LIFETIME) {
                lifetime = reader.readUint32();
            } else if (constraint == SSH_AGENT_CONSTRAIN_CONFIRM) {
                confirm = true;
            } else {
                String name = constraint == SSH_AGENT_CONSTRAIN_EXTENSION ? " " + reader.readUtf8() : "";
                LOG.log(Level.WARNING, "agent: refusing key \"{0}\": unsupported constraint {1}{2}", comment,
                        constraint, name);
                return AgentMessages.failure();
            }
        }
        reader.requireEnd("add-identity request");
        AgentKey key;
        try {
            key = policy.admit(pair, comment);
        } catch (AddedKeyRefusedException e) {
            LOG.log(Level.WARNING, "agent: refusing to add key \"{0}\": {1}", comment, e.getMessage());
            return AgentMessages.failure();
        }
        keys.add(key, lifetime, confirm);
        LOG.log(Level.INFO, "agent: added key \"{0}\" in memory{1}{2}", comment,
                lifetime > 0 ? ", lifetime " + lifetime + " s" : "", confirm ? ", confirm each use" : "");
        return AgentMessages.success();
    }

    /**
     * The private key as ssh-add sends it. ECDSA goes through MINA's {@code Buffer.getKeyPair}; RSA
     * is read field by field because MINA's order differs from OpenSSH's (docs/agent.md).
     */
    private static KeyPair readKeyPair(String type, SshWireReader reader) throws SshWireFormatException {
        if (SshPublicKeys.SSH_RSA.equals(type)) {
            BigInteger n = reader.readPositiveMpint("RSA n");
            BigInteger e = reader.readPositiveMpint("RSA e");
            BigInteger d = reader.readPositiveMpint("RSA d");
            BigInteger iqmp = reader.readPositiveMpint("RSA iqmp");
            BigInteger p = reader.readPositiveMpint("RSA p");
            BigInteger q = reader.readPositiveMpint("RSA q");
            if (p.signum() == 0 || q.signum() == 0 || !p.multiply(q).equals(n)) {
                throw new SshWireFormatException("RSA private key: p times q is not n");
            }
            try {
                KeyFactory factory = KeyFactory.getInstance("RSA");
                BigInteger dp = d.mod(p.subtract(BigInteger.ONE));
                BigInteger dq = d.mod(q.subtract(BigInteger.ONE));
                return new KeyPair(factory.generatePublic(new RSAPublicKeySpec(n, e)),
                        factory.generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, iqmp)));
            } catch (GeneralSecurityException ex) {
                throw new SshWireFormatException("RSA private key rejected: " + ex.getMessage());
            }
        }
        if (SshCurve.ofKeyType(type).isEmpty()) {
            throw new SshWireFormatException("cannot add a key of type "
                    + type.replaceAll("\\p{Cntrl}", "?") + "; tpmssh holds ECDSA (nistp256/384/521) and RSA keys");
        }
        // Step back over the type so MINA reads the whole key as it expects.
        var buffer = reader.buffer();
        buffer.rpos(buffer.rpos() - 4 - type.getBytes(StandardCharsets.UTF_8).length);
        try {
            return buffer.getKeyPair();
        } catch (SshException | RuntimeException e) {
            // MINA's buffer throws unchecked exceptions (BufferException and others) on a short or bad key.
            throw new SshWireFormatException("ECDSA private key rejected: " + e.getMessage());
        }
    }
}
