package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.tpmssh.stack.keys.PassphraseSource;
import org.tpmssh.stack.keys.PrivateKeyFiles;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;

/**
 * Fuzz target for the agent protocol: one client connection's whole byte stream, cut into frames as
 * {@link SshAgentServer} cuts them, through the agent's real request handling ({@link AgentRequestHandler#dispatch},
 * which has no safety net: anything but a {@link SshWireFormatException} is a finding). The keys it offers are
 * software keys from test files standing in for TPM keys, so a signature is checked with the JDK; the pause after a
 * wrong unlock passphrase is recorded rather than slept. Seeds are connections of real ssh-add, ssh-keygen -Y sign
 * and ssh logins (recorded by {@link AgentSessionSeeds}).
 */
class AgentProtocolFuzzTest {

    /** Kept, so java.util.logging does not forget the level: a fuzzed agent logs every refusal. */
    private static final Logger QUIET = Logger.getLogger(SshAgentServer.class.getName());
    static final List<AgentKey> KEYS = List.of(key("ecdsa-p256", "fuzz ecdsa p256"), key("rsa-2048", "fuzz rsa 2048"));
    private static final ScheduledThreadPoolExecutor TIMERS = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "agent-fuzz-timers");
        t.setDaemon(true);
        return t;
    });

    static {
        QUIET.setLevel(Level.OFF);
    }

    @FuzzTest
    void connection(byte[] stream) throws Exception {
        List<Long> unlockDelays = new ArrayList<>();
        AgentOptions options = AgentOptions.builder().environment(Map.of()).build();
        AgentRequestHandler handler = new AgentRequestHandler(() -> KEYS, options, TIMERS, unlockDelays::add);
        try (Connection connection = handler.connection()) {
            ByteBuffer in = ByteBuffer.wrap(stream);
            while (in.remaining() >= 4) {
                long length = in.getInt() & 0xffff_ffffL;
                if (length == 0 || length > MAX_MESSAGE_BYTES) {
                    break; // the server answers FAILURE once and hangs up
                }
                if (in.remaining() < length) {
                    break; // the client hung up mid-frame
                }
                byte[] request = new byte[(int) length];
                in.get(request);
                byte[] answer;
                try {
                    answer = handler.dispatch(connection, request.clone());
                } catch (SshWireFormatException malformed) {
                    assertThat(malformed.getMessage()).isNotBlank();
                    continue;
                }
                checkAnswer(request, answer);
            }
        } finally {
            handler.forgetAll();
            TIMERS.getQueue().clear();
        }
        assertThat(unlockDelays).allSatisfy(ms -> assertThat(ms).isBetween(100L, 1000L));
    }

    /** An answer is one of the four the agent sends, well-formed, and a signature verifies with the JDK. */
    private static void checkAnswer(byte[] request, byte[] answer) throws Exception {
        assertThat(answer).isNotEmpty();
        int type = answer[0] & 0xff;
        SshWireReader reader = new SshWireReader(answer, 1, answer.length - 1);
        switch (type) {
            case SSH_AGENT_FAILURE, SSH_AGENT_SUCCESS -> assertThat(answer).hasSize(1);
            case SSH_AGENT_IDENTITIES_ANSWER -> {
                assertThat(request[0]).isEqualTo((byte) SSH_AGENTC_REQUEST_IDENTITIES);
                long n = reader.readUint32();
                for (long i = 0; i < n; i++) {
                    assertThat(SshPublicKeys.parse(reader.readString())).isNotNull();
                    reader.readUtf8();
                }
                reader.requireEnd("identities answer");
            }
            case SSH_AGENT_SIGN_RESPONSE -> {
                assertThat(request[0]).isEqualTo((byte) SSH_AGENTC_SIGN_REQUEST);
                byte[] signature = reader.readString();
                reader.requireEnd("sign response");
                SshWireReader asked = new SshWireReader(request, 1, request.length - 1);
                byte[] blob = asked.readString();
                byte[] data = asked.readString();
                String algorithm = SshSignatures.parse(signature).algorithm();
                assertThat(SshSignatureAlgorithm.named(algorithm).orElseThrow()
                        .verify(SshPublicKeys.parse(blob), data, signature)).as("signature verifies").isTrue();
            }
            default -> throw new AssertionError("the agent answered with message type " + type);
        }
    }

    static AgentKey key(String file, String comment) {
        try {
            KeyPair pair = PrivateKeyFiles.read(keyFile(file), PassphraseSource.none());
            return new MemoryKey(pair, comment);
        } catch (Exception e) {
            throw new IllegalStateException("test key " + file + " does not load", e);
        }
    }

    static Path keyFile(String name) {
        try {
            return Path.of(AgentProtocolFuzzTest.class.getResource("AgentFuzzKeys/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
