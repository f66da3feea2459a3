package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/** The agent protocol against hostile and unusual clients: fuzz, SHA-1, session binding, secrets in logs. */
class AgentProtocolTest {

    @TempDir
    Path dir;

    private final List<AgentKey> keys = new CopyOnWriteArrayList<>();
    private final AgentLogCapture log = new AgentLogCapture();
    private final List<SshAgentServer> agents = new ArrayList<>();

    @AfterEach
    void stop() {
        agents.forEach(SshAgentServer::close);
        assertThat(log.anyWithStackTrace()).as("%s", log.messages()).isFalse();
        log.close();
    }

    private SshAgentServer agent(AgentOptions options) throws Exception {
        SshAgentServer agent = SshAgentServer.start(dir.resolve("a" + agents.size() + "/s"), () -> keys, options);
        agents.add(agent);
        return agent;
    }

    private static byte[] signRequest(byte[] blob, byte[] data, int flags) {
        return new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(blob).writeString(data)
                .writeUint32(flags).toByteArray();
    }

    @Test
    void randomAndTruncatedFramesGetFailureAndTheAgentKeepsServing() throws Exception {
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "survivor");
        keys.add(key);
        SshAgentServer agent = agent(AgentOptions.builder().environment(Map.of()).build());
        Random random = new Random(20261128L); // fixed, so a failure can be replayed
        List<byte[]> valid = List.of(signRequest(key.publicKeyBlob(), new byte[16], 0),
                new byte[] {SSH_AGENTC_REQUEST_IDENTITIES},
                new SshWireWriter().writeByte(SSH_AGENTC_EXTENSION).writeString(SESSION_BIND).toByteArray());
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            for (int i = 0; i < 600; i++) {
                byte[] body;
                if (i % 3 == 0) {
                    byte[] base = valid.get(random.nextInt(valid.size()));
                    body = Arrays.copyOf(base, 1 + random.nextInt(base.length)); // truncated
                    if (body.length > 1 && random.nextBoolean()) {
                        body[1 + random.nextInt(body.length - 1)] ^= (byte) (1 + random.nextInt(255)); // flipped
                    }
                } else {
                    body = new byte[1 + random.nextInt(300)];
                    random.nextBytes(body);
                    // Every type the agent knows gets garbage too, but never LOCK: it would (rightly) lock.
                    body[0] = (byte) new int[] {11, 13, 17, 18, 25, 27, 99, 0, 255}[random.nextInt(9)];
                }
                byte[] answer = client.request(body);
                assertThat(answer).isNotEmpty();
                if (answer[0] != SSH_AGENT_FAILURE) {
                    // Only a valid prefix can succeed: an identities list, or a bare identities request.
                    assertThat(answer[0]).as("reply to %s", HexFormat.of().formatHex(body))
                            .isIn((byte) SSH_AGENT_IDENTITIES_ANSWER, (byte) SSH_AGENT_SIGN_RESPONSE);
                }
            }
            assertThat(client.request(signRequest(key.publicKeyBlob(), new byte[16], 0))[0])
                    .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        }
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).containsExactly(key.authorizedKeysLine());
    }

    @Test
    void sha1RsaIsRefusedUnlessConfigured() throws Exception {
        SoftwareAgentKey rsa = SoftwareAgentKey.rsa(2048, "rsa");
        keys.add(rsa);
        SshAgentServer strict = agent(AgentOptions.defaults());
        SshAgentServer lenient = agent(AgentOptions.builder().allowSha1Rsa(true).build());
        try (RawAgentClient client = RawAgentClient.connect(strict.socketPath())) {
            assertThat(client.request(signRequest(rsa.publicKeyBlob(), new byte[8], 0))).containsExactly(SSH_AGENT_FAILURE);
            for (int flags : new int[] {2, 4}) {
                byte[] answer = client.request(signRequest(rsa.publicKeyBlob(), new byte[8], flags));
                SshWireReader reader = new SshWireReader(answer, 1, answer.length - 1);
                assertThat(SshSignatures.parse(reader.readString()).algorithm())
                        .isEqualTo(flags == 2 ? "rsa-sha2-256" : "rsa-sha2-512");
            }
        }
        assertThat(log.messages()).anyMatch(m -> m.contains("refusing an ssh-rsa (SHA-1) signature"));
        try (RawAgentClient client = RawAgentClient.connect(lenient.socketPath())) {
            byte[] answer = client.request(signRequest(rsa.publicKeyBlob(), new byte[8], 0));
            assertThat(SshSignatures.parse(new SshWireReader(answer, 1, answer.length - 1).readString()).algorithm())
                    .isEqualTo("ssh-rsa");
        }
    }

    @Test
    void sessionBindIsVerifiedAndLimitsSigningToThatSession() throws Exception {
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "bound");
        keys.add(key);
        SshAgentServer agent = agent(AgentOptions.defaults());
        KeyPair host = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] raw = host.getPublic().getEncoded();
        byte[] hostBlob = new SshWireWriter().writeString("ssh-ed25519")
                .writeString(Arrays.copyOfRange(raw, raw.length - 32, raw.length)).toByteArray();
        byte[] sessionId = new byte[32];
        new Random(1).nextBytes(sessionId);
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(host.getPrivate());
        signer.update(sessionId);
        byte[] sig = new SshWireWriter().writeString("ssh-ed25519").writeString(signer.sign()).toByteArray();
        byte[] forged = sig.clone();
        forged[forged.length - 1] ^= 1;
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            assertThat(client.request(bind(hostBlob, sessionId, forged))).containsExactly(SSH_AGENT_FAILURE);
            assertThat(client.request(bind(hostBlob, sessionId, sig))).containsExactly(SSH_AGENT_SUCCESS);
            byte[] otherSession = userauth(new byte[32]);
            assertThat(client.request(signRequest(key.publicKeyBlob(), otherSession, 0))).containsExactly(SSH_AGENT_FAILURE);
            assertThat(client.request(signRequest(key.publicKeyBlob(), userauth(sessionId), 0))[0])
                    .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        }
    }

    private static byte[] bind(byte[] hostKey, byte[] sessionId, byte[] signature) {
        return new SshWireWriter().writeByte(SSH_AGENTC_EXTENSION).writeString(SESSION_BIND).writeString(hostKey)
                .writeString(sessionId).writeString(signature).writeByte(0).toByteArray();
    }

    private static byte[] userauth(byte[] sessionId) {
        return new SshWireWriter().writeString(sessionId).writeByte(50).writeString("user").writeString("ssh-connection")
                .writeString("publickey").writeByte(1).writeString("ecdsa-sha2-nistp256").writeString(new byte[4])
                .toByteArray();
    }

    @Test
    void noPinPassphraseOrPrivateKeyReachesTheLogOrAReply() throws Exception {
        String pin = "pin-7f3a9c-marker";
        String passphrase = "lock-91be-marker";
        AgentPinTest.PinKey pinKey = new AgentPinTest.PinKey(SoftwareAgentKey.ecdsa(SshCurve.NISTP384, "work key"));
        pinKey.pin = pin;
        keys.add(pinKey);
        SshAgentServer agent = agent(AgentOptions.builder().environment(Map.of("TPMSSH_PIN", pin)).build());

        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair added = generator.generateKeyPair();
        BigInteger scalar = ((ECPrivateKey) added.getPrivate()).getS();
        ByteArrayBuffer add = new ByteArrayBuffer();
        add.putByte((byte) SSH_AGENTC_ADD_IDENTITY);
        add.putKeyPair(added); // MINA writes ECDSA exactly as ssh-add does
        add.putString("added in memory");
        List<byte[]> replies = new ArrayList<>();
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            replies.add(client.request(add.getCompactData()));
            assertThat(replies.get(0)).containsExactly(SSH_AGENT_SUCCESS);
            replies.add(client.request(signRequest(pinKey.publicKeyBlob(), new byte[8], 0)));
            assertThat(replies.get(1)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
            replies.add(client.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES}));
            replies.add(client.request(new SshWireWriter().writeByte(SSH_AGENTC_LOCK).writeString(passphrase).toByteArray()));
            replies.add(client.request(new SshWireWriter().writeByte(SSH_AGENTC_UNLOCK).writeString("wrong").toByteArray()));
            replies.add(client.request(new SshWireWriter().writeByte(SSH_AGENTC_UNLOCK).writeString(passphrase).toByteArray()));
            assertThat(replies.get(5)).containsExactly(SSH_AGENT_SUCCESS);
        }
        pinKey.pin = "other";
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            replies.add(client.request(signRequest(pinKey.publicKeyBlob(), new byte[8], 0))); // wrong PIN logged
        }
        byte[] scalarBytes = scalar.toByteArray();
        List<String> forbidden = List.of(pin, passphrase, scalar.toString(), scalar.toString(16),
                HexFormat.of().formatHex(scalarBytes), Base64.getEncoder().encodeToString(scalarBytes));
        String logged = String.join("\n", log.messages());
        assertThat(log.messages()).isNotEmpty();
        for (String secret : forbidden) {
            assertThat(logged).doesNotContain(secret);
        }
        for (byte[] reply : replies) {
            String text = new String(reply, StandardCharsets.ISO_8859_1);
            assertThat(text).doesNotContain(pin).doesNotContain(passphrase);
            assertThat(indexOf(reply, scalarBytes)).isNegative();
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void frameWithLengthButNoBodyIsNotALeak() throws Exception {
        SshAgentServer agent = agent(AgentOptions.defaults());
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            client.sendRaw(ByteBuffer.allocate(5).putInt(1).put((byte) SSH_AGENTC_REMOVE_ALL_IDENTITIES).array());
            assertThat(client.receive()).containsExactly(SSH_AGENT_SUCCESS);
        }
    }
}
