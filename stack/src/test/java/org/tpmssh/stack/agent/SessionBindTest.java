package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.AgentRequests.*;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Arrays;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * session-bind@openssh.com: which host key signatures bind a connection, how often and for what it may be bound,
 * and what a connection bound for authentication still signs. Host keys are JDK keys signing as sshd would.
 */
class SessionBindTest {

    private final AgentLogCapture log = new AgentLogCapture();
    private SoftwareAgentKey userKey;
    private LocalAgent agent;

    @BeforeEach
    void start() throws Exception {
        userKey = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "user key");
        agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).build());
        agent.supplied.add(userKey);
    }

    @AfterEach
    void stop() {
        agent.close();
        assertThat(log.anyWithStackTrace()).isFalse();
        log.close();
    }

    /** An SSH signature blob: the algorithm's name, then its signature bytes. */
    private static byte[] signatureBlob(String algorithm, byte[] signature) {
        return new SshWireWriter().writeString(algorithm).writeString(signature).toByteArray();
    }

    private static byte[] sessionId(int n) {
        byte[] id = new byte[32];
        Arrays.fill(id, (byte) n);
        return id;
    }

    /** A host key that signs session ids as sshd does for session-bind. */
    private record HostKey(byte[] blob, AgentKey signer) {
        byte[] sign(byte[] sessionId, int flags) throws Exception {
            return signer.sign(sessionId, flags);
        }

        byte[] bind(byte[] sessionId, boolean forwarding) throws Exception {
            return sessionBind(blob, sessionId, sign(sessionId, 0), forwarding);
        }
    }

    private static HostKey ecdsaHost() throws Exception {
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "host");
        return new HostKey(key.publicKeyBlob(), key);
    }

    private record Ed25519Host(KeyPair pair, byte[] point) {
        byte[] blob() {
            return new SshWireWriter().writeString("ssh-ed25519").writeString(point).toByteArray();
        }

        byte[] rawSignature(byte[] sessionId) throws Exception {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(pair.getPrivate());
            signer.update(sessionId);
            return signer.sign();
        }

        byte[] signature(byte[] sessionId) throws Exception {
            return signatureBlob("ssh-ed25519", rawSignature(sessionId));
        }
    }

    private static Ed25519Host ed25519Host() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] raw = pair.getPublic().getEncoded();
        return new Ed25519Host(pair, Arrays.copyOfRange(raw, raw.length - 32, raw.length));
    }

    @Test
    void ecdsaAndRsaSha2HostKeysBindButSha1ForgedOrUnknownSignaturesDoNot() throws Exception {
        HostKey ecdsa = ecdsaHost();
        SoftwareAgentKey rsaKey = SoftwareAgentKey.rsa(2048, "rsa host");
        HostKey rsa = new HostKey(rsaKey.publicKeyBlob(), rsaKey);
        byte[] id = sessionId(1);

        assertThat(agent.askOnNewConnection(ecdsa.bind(id, false))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.askOnNewConnection(sessionBind(rsa.blob(), id, rsa.sign(id, 2), false)))
                .as("rsa-sha2-256").containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.askOnNewConnection(sessionBind(rsa.blob(), id, rsa.sign(id, 0), false)))
                .as("ssh-rsa (SHA-1)").containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.askOnNewConnection(sessionBind(ecdsa.blob(), id, ecdsa.sign(sessionId(2), 0), false)))
                .as("signature over another session").containsExactly(SSH_AGENT_FAILURE);
        byte[] inner = SshSignatures.parse(ecdsa.sign(id, 0)).signature();
        assertThat(agent.askOnNewConnection(sessionBind(ecdsa.blob(), id, signatureBlob("x-unknown@example.org",
                inner), false))).as("an algorithm nobody knows").containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.askOnNewConnection(sessionBind(ecdsa.blob(), id, new byte[] {0, 0, 0, 9, 1}, false)))
                .as("not a signature blob at all").containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.WARNING))
                .contains("agent: session-bind signature does not verify; refusing the binding");
    }

    @Test
    void anEd25519HostKeyMustBeWellFormedAndSignAsEd25519() throws Exception {
        Ed25519Host host = ed25519Host();
        byte[] id = sessionId(3);
        assertThat(agent.askOnNewConnection(sessionBind(host.blob(), id, host.signature(id), false)))
                .containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.askOnNewConnection(sessionBind(concat(host.blob(), new byte[] {0}), id, host.signature(id),
                false))).as("bytes after the host key").containsExactly(SSH_AGENT_FAILURE);
        byte[] shortPoint = new SshWireWriter().writeString("ssh-ed25519")
                .writeString(Arrays.copyOf(host.point(), 31)).toByteArray();
        assertThat(agent.askOnNewConnection(sessionBind(shortPoint, id, host.signature(id), false)))
                .as("a 31-byte point").containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.askOnNewConnection(sessionBind(host.blob(), id,
                signatureBlob("ecdsa-sha2-nistp256", host.rawSignature(id)), false)))
                .as("an Ed25519 signature under another algorithm's name").containsExactly(SSH_AGENT_FAILURE);
    }

    @Test
    void bytesAfterTheBindingMakeItMalformedAndLeaveTheConnectionUnbound() throws Exception {
        HostKey host = ecdsaHost();
        assertThat(agent.ask(concat(host.bind(sessionId(4), false), new byte[] {0}))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(sign(userKey.publicKeyBlob(), userauth(sessionId(5)), 0))[0])
                .as("not bound, so any session may be signed for").isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
    }

    @Test
    void bindingTheSameSessionAgainNeedsTheSamePurpose() throws Exception {
        HostKey host = ecdsaHost();
        byte[] id = sessionId(6);
        assertThat(agent.ask(host.bind(id, false))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(host.bind(id, false))).as("the same binding again").containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(host.bind(id, true))).as("the same session, now for forwarding")
                .containsExactly(SSH_AGENT_FAILURE);
    }

    @Test
    void aConnectionBoundForAuthenticationServesThatSessionOnly() throws Exception {
        HostKey host = ecdsaHost();
        byte[] id = sessionId(7);
        assertThat(agent.ask(host.bind(id, false))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(host.bind(sessionId(8), false))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(host.bind(sessionId(9), true))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.WARNING))
                .contains("agent: refusing to re-bind a connection bound for authentication");

        assertThat(agent.ask(sign(userKey.publicKeyBlob(), userauth(sessionId(8)), 0)))
                .as("a login to another session").containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.WARNING)).contains("agent: refusing to sign with \"user key\": the data names"
                + " another SSH session than this connection is bound to");
        assertThat(agent.ask(sign(userKey.publicKeyBlob(), userauth(id), 0))[0])
                .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        byte[] notALogin = new SshWireWriter().writeString(sessionId(8)).writeByte(80).toByteArray();
        assertThat(agent.ask(sign(userKey.publicKeyBlob(), notALogin, 0))[0])
                .as("data that is not a user-auth request").isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(agent.ask(sign(userKey.publicKeyBlob(), new byte[] {0, 0, 1}, 0))[0])
                .as("data that is not SSH at all, as ssh-keygen -Y signs").isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
    }

    @Test
    void forwardingHopsBindUpToSixteenSessionsAndTheLastMayBeForAuthentication() throws Exception {
        HostKey host = ecdsaHost();
        for (int i = 0; i < 15; i++) {
            assertThat(agent.ask(host.bind(sessionId(i), true))).as("forwarding hop %d", i)
                    .containsExactly(SSH_AGENT_SUCCESS);
        }
        assertThat(agent.ask(sign(userKey.publicKeyBlob(), userauth(sessionId(40)), 0))[0])
                .as("the last binding is for forwarding, so any session").isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(agent.ask(host.bind(sessionId(15), false))).as("the sixteenth, for authentication")
                .containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(sign(userKey.publicKeyBlob(), userauth(sessionId(40)), 0)))
                .containsExactly(SSH_AGENT_FAILURE);
    }

    @Test
    void aSeventeenthBindingIsRefused() throws Exception {
        HostKey host = ecdsaHost();
        for (int i = 0; i < 16; i++) {
            assertThat(agent.ask(host.bind(sessionId(i), true))).containsExactly(SSH_AGENT_SUCCESS);
        }
        assertThat(agent.ask(host.bind(sessionId(16), true))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.WARNING)).contains("agent: more than 16 session bindings on one connection");
    }
}
