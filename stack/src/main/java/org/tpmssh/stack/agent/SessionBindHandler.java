package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HexFormat;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;

/**
 * Verifies session-bind@openssh.com and enforces it: a connection bound for authentication signs only for its
 * own session.
 */
final class SessionBindHandler {

    /** As OpenSSH: more bindings than this on one connection is not a real ssh. */
    private static final int MAX_SESSION_BINDINGS = 16;
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final int SSH_MSG_USERAUTH_REQUEST = 50;

    private SessionBindHandler() {
    }

    /** The extension's body after its name: host key, session id, signature, forwarding flag. */
    static byte[] bind(Connection connection, SshWireReader reader, byte[] request) throws SshWireFormatException {
        byte[] hostKey = reader.readString();
        byte[] sessionId = reader.readString();
        byte[] signature = reader.readString();
        boolean forwarding = reader.readBoolean();
        reader.requireEnd("session-bind");
        if (!hostKeySigned(hostKey, sessionId, signature)) {
            LOG.log(Level.WARNING, "agent: session-bind signature does not verify; refusing the binding");
            return AgentMessages.failure();
        }
        synchronized (connection.bindings) {
            for (Connection.Binding b : connection.bindings) {
                if (MessageDigest.isEqual(b.sessionId(), sessionId)) {
                    return b.forwarding() == forwarding ? AgentMessages.success() : AgentMessages.failure();
                }
            }
            if (connection.bindings.size() >= MAX_SESSION_BINDINGS) {
                LOG.log(Level.WARNING, "agent: more than {0} session bindings on one connection", MAX_SESSION_BINDINGS);
                return AgentMessages.failure();
            }
            if (!connection.bindings.isEmpty() && !connection.bindings.get(connection.bindings.size() - 1).forwarding()) {
                // A connection bound for authentication serves that one session only.
                LOG.log(Level.WARNING, "agent: refusing to re-bind a connection bound for authentication");
                return AgentMessages.failure();
            }
            connection.bindings.add(new Connection.Binding(sessionId, forwarding));
        }
        connection.forward(request); // let the upstream agent apply its own rules too
        LOG.log(Level.DEBUG, "agent: connection bound to a session of host key {0} ({1})",
                SshPublicKeys.fingerprint(hostKey), forwarding ? "forwarding" : "authentication");
        return AgentMessages.success();
    }

    /** Whether {@code data} may be signed on this connection; data that is not a user-auth request passes. */
    static boolean permits(Connection connection, byte[] data) {
        Connection.Binding last;
        synchronized (connection.bindings) {
            if (connection.bindings.isEmpty()) {
                return true;
            }
            last = connection.bindings.get(connection.bindings.size() - 1);
        }
        if (last.forwarding()) {
            return true;
        }
        try {
            SshWireReader reader = new SshWireReader(data);
            byte[] sessionId = reader.readString();
            if (reader.readByte() != SSH_MSG_USERAUTH_REQUEST) {
                return true;
            }
            return MessageDigest.isEqual(sessionId, last.sessionId());
        } catch (SshWireFormatException e) {
            return true;
        }
    }

    /** The host key's signature over the session id; Ed25519 host keys are common, so they are verified too. */
    private static boolean hostKeySigned(byte[] hostKey, byte[] sessionId, byte[] signatureBlob) {
        try {
            SshSignatures.Parsed sig = SshSignatures.parse(signatureBlob);
            if ("ssh-ed25519".equals(SshPublicKeys.keyType(hostKey))) {
                return ed25519Signed(hostKey, sessionId, sig);
            }
            // SHA-1 host key signatures (ssh-rsa) are not accepted, as before.
            SshSignatureAlgorithm algorithm = SshSignatureAlgorithm.named(sig.algorithm()).orElse(null);
            return algorithm != null && !algorithm.isSha1()
                    && algorithm.verify(SshPublicKeys.parse(hostKey), sessionId, signatureBlob);
        } catch (SshWireFormatException | GeneralSecurityException | RuntimeException e) {
            LOG.log(Level.DEBUG, "agent: session-bind host key or signature unusable: {0}", e.getMessage());
            return false;
        }
    }

    private static boolean ed25519Signed(byte[] hostKey, byte[] sessionId, SshSignatures.Parsed sig)
            throws SshWireFormatException, GeneralSecurityException {
        SshWireReader reader = new SshWireReader(hostKey);
        reader.readUtf8();
        byte[] point = reader.readString();
        reader.requireEnd("Ed25519 host key");
        if (point.length != 32 || !"ssh-ed25519".equals(sig.algorithm())) {
            return false;
        }
        byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
        System.arraycopy(point, 0, spki, ED25519_SPKI_PREFIX.length, 32);
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki)));
        verifier.update(sessionId);
        return verifier.verify(sig.signature());
    }
}
