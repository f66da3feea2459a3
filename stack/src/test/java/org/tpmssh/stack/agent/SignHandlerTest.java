package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.AgentRequests.*;

import java.nio.file.Path;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/** Sign requests the agent refuses or passes on, and what it says about each; keys are software stand-ins. */
class SignHandlerTest {

    @TempDir
    Path dir;

    private final AgentLogCapture log = new AgentLogCapture();
    private LocalAgent agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).build());

    @AfterEach
    void stop() {
        agent.close();
        assertThat(log.anyWithStackTrace()).isFalse();
        log.close();
    }

    @Test
    void aFailingKeySupplierCostsOneFailureAndIsLogged() throws Exception {
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "k");
        agent.supplied.add(key);
        agent.supplierFailure = new IllegalStateException("key store unreadable");
        assertThat(agent.ask(sign(key.publicKeyBlob(), new byte[8], 0))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(identities())).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.SEVERE)).hasSize(2).allMatch(m -> m.equals(
                "agent: the key supplier failed: java.lang.IllegalStateException: key store unreadable"));

        agent.supplierFailure = null;
        assertThat(agent.ask(sign(key.publicKeyBlob(), new byte[8], 0))[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
    }

    @Test
    void aKeyTheAgentDoesNotHoldIsRefusedAndLoggedWithoutUpstream() throws Exception {
        byte[] stranger = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "stranger").publicKeyBlob();
        assertThat(agent.ask(sign(stranger, new byte[8], 0))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.INFO)).contains(
                "agent: sign request for a key this agent does not hold (" + stranger.length + "-byte blob)");
    }

    @Test
    void aKeyThatThrowsIsLoggedAsAnErrorAndCostsOneFailure() throws Exception {
        AgentKey buggy = new ScriptedKey(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "buggy"), (key, data, flags) -> {
            throw new IllegalStateException("bug in a key");
        });
        agent.supplied.add(buggy);
        assertThat(agent.ask(sign(buggy.publicKeyBlob(), new byte[8], 0))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.SEVERE)).contains(
                "agent: key \"buggy\" failed unexpectedly: java.lang.IllegalStateException: bug in a key");
    }

    @Test
    void aKeyOfATypeTheAgentCannotNameIsLeftToSignOrRefuse() throws Exception {
        // A key whose type the agent's SHA-1 rule cannot judge; it fakes a signature to show the request reached it.
        byte[] blob = new SshWireWriter().writeString("ssh-ed25519").writeString(new byte[32]).toByteArray();
        byte[] made = new SshWireWriter().writeString("ssh-ed25519").writeString(new byte[64]).toByteArray();
        agent.supplied.add(new AgentKey() {
            @Override
            public byte[] publicKeyBlob() {
                return blob.clone();
            }

            @Override
            public String comment() {
                return "unusual";
            }

            @Override
            public byte[] sign(byte[] data, int flags) {
                return made.clone();
            }
        });
        byte[] answer = agent.ask(sign(blob, new byte[8], 0));
        assertThat(answer[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(new SshWireReader(answer, 1, answer.length - 1).readString()).isEqualTo(made);
    }

    @Test
    void aConfirmedKeySignsOnlyWhenAskpassSaysYes() throws Exception {
        java.security.KeyPair pair = RecordingPolicy.p256();
        byte[] blob = org.tpmssh.stack.ssh.SshPublicKeys.encode(pair.getPublic());
        agent.close();
        agent = new LocalAgent(AgentOptions.builder()
                .environment(Map.of("SSH_ASKPASS", "/bin/false", "SSH_ASKPASS_REQUIRE", "force")).build());
        assertThat(agent.ask(addConstrained(pair, "confirm me", confirm()))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(sign(blob, new byte[8], 0))).as("askpass said no").containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.INFO)).contains("agent: use of key \"confirm me\" was not confirmed");

        Path missing = dir.resolve("no-such-askpass");
        try (LocalAgent broken = new LocalAgent(AgentOptions.builder()
                .environment(Map.of("SSH_ASKPASS", missing.toString(), "SSH_ASKPASS_REQUIRE", "force")).build())) {
            assertThat(broken.ask(addConstrained(pair, "confirm me", confirm()))).containsExactly(SSH_AGENT_SUCCESS);
            assertThat(broken.ask(sign(blob, new byte[8], 0))).as("askpass cannot run")
                    .containsExactly(SSH_AGENT_FAILURE);
        }
        assertThat(log.records(Level.WARNING)).anyMatch(m -> m.startsWith("agent: askpass failed: cannot run SSH_ASKPASS "
                + missing));

        try (LocalAgent allowing = new LocalAgent(AgentOptions.builder()
                .environment(Map.of("SSH_ASKPASS", "/bin/true", "SSH_ASKPASS_REQUIRE", "force")).build())) {
            assertThat(allowing.ask(addConstrained(pair, "confirm me", confirm()))).containsExactly(SSH_AGENT_SUCCESS);
            assertThat(allowing.ask(sign(blob, new byte[8], 0))[0]).as("askpass said yes (exit 0, no output)")
                    .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        }
    }
}
