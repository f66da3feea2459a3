package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.AgentRequests.*;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshWireWriter;

/** ssh-add and ssh-add -c / -t: which keys and constraints the agent takes, and which it refuses with a reason. */
class AddedKeyTest {

    private final AgentLogCapture log = new AgentLogCapture();
    private final RecordingPolicy policy = new RecordingPolicy();
    private LocalAgent agent;

    @BeforeEach
    void start() {
        agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).addedKeys(policy).build());
    }

    @AfterEach
    void stop() {
        agent.close();
        assertThat(log.anyWithStackTrace()).isFalse();
        log.close();
    }

    private List<byte[]> listed() throws Exception {
        return Identities.blobs(agent.ask(identities()));
    }

    @Test
    void aKeyAddedWithoutConstraintsIsListedSignsAndIsLoggedAsSuch() throws Exception {
        KeyPair pair = RecordingPolicy.p256();
        assertThat(agent.ask(add(pair, "plain"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(log.records(Level.INFO)).contains("agent: added key \"plain\" in memory");
        assertThat(listed()).containsExactly(SshPublicKeys.encode(pair.getPublic()));
        assertThat(agent.ask(sign(SshPublicKeys.encode(pair.getPublic()), new byte[8], 0))[0])
                .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
    }

    @Test
    void aConstrainedKeySaysItsLifetimeAndConfirmationInTheLog() throws Exception {
        assertThat(agent.ask(addConstrained(RecordingPolicy.p256(), "constrained", concat(lifetime(60), confirm()))))
                .containsExactly(SSH_AGENT_SUCCESS);
        assertThat(log.records(Level.INFO))
                .contains("agent: added key \"constrained\" in memory, lifetime 60 s, confirm each use");
    }

    @Test
    void unsupportedConstraintsAreRefusedByNameAndTheKeyIsNotAdded() throws Exception {
        // ssh-add -h: OpenSSH's destination restriction, an extension constraint we do not enforce.
        byte[] restrict = new SshWireWriter().writeByte(SSH_AGENT_CONSTRAIN_EXTENSION)
                .writeString("restrict-destination-v00@openssh.com").writeString(new byte[0]).toByteArray();
        assertThat(agent.ask(addConstrained(RecordingPolicy.p256(), "restricted", restrict)))
                .containsExactly(SSH_AGENT_FAILURE);
        // OpenSSH's maxsign constraint (3) with its uint32 count.
        byte[] maxsign = {3, 0, 0, 0, 5};
        assertThat(agent.ask(addConstrained(RecordingPolicy.p256(), "counted", maxsign)))
                .containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.WARNING)).contains(
                "agent: refusing key \"restricted\": unsupported constraint 255 restrict-destination-v00@openssh.com",
                "agent: refusing key \"counted\": unsupported constraint 3");
        assertThat(listed()).isEmpty();
        assertThat(policy.made).as("the policy never saw them").isEmpty();
    }

    @Test
    void keysATpmCannotHoldAreRefusedWithAReason() throws Exception {
        for (String type : List.of("ssh-ed25519", "sk-ecdsa-sha2-nistp256@openssh.com",
                "ecdsa-sha2-nistp256-cert-v01@openssh.com")) {
            byte[] request = new SshWireWriter().writeByte(SSH_AGENTC_ADD_IDENTITY).writeString(type)
                    .writeString(new byte[32]).writeString("comment").toByteArray();
            assertThat(agent.ask(request)).as(type).containsExactly(SSH_AGENT_FAILURE);
            assertThat(log.records(Level.WARNING)).as(type)
                    .anyMatch(m -> m.contains("refusing to add a " + type + " key: a TPM 2.0 cannot hold it"));
        }
        assertThat(policy.made).isEmpty();
    }

    @Test
    void bytesAfterAnUnconstrainedAddMakeItMalformed() throws Exception {
        assertThat(agent.ask(concat(add(RecordingPolicy.p256(), "trailing"), lifetime(60))))
                .containsExactly(SSH_AGENT_FAILURE);
        assertThat(listed()).isEmpty();
        assertThat(log.records(Level.WARNING)).anyMatch(m -> m.startsWith("agent: malformed message of type 17"));
    }

    @Test
    void aPolicyRefusalAnswersFailureAndSaysWhy() throws Exception {
        try (LocalAgent tpmOnly = new LocalAgent(AgentOptions.builder().environment(Map.of())
                .addedKeys(AddedKeyPolicy.refuseAll()).build())) {
            assertThat(tpmOnly.ask(add(RecordingPolicy.p256(), "refused"))).containsExactly(SSH_AGENT_FAILURE);
        }
        assertThat(log.records(Level.WARNING)).anyMatch(m -> m.startsWith("agent: refusing to add key \"refused\"")
                && m.contains("tpmssh key import"));
    }

    @Test
    void aKeyWhosePrivateHalfDoesNotMatchItsPublicHalfIsRefused() throws Exception {
        KeyPair one = RecordingPolicy.p256();
        KeyPair other = RecordingPolicy.p256();
        assertThat(agent.ask(add(new KeyPair(one.getPublic(), other.getPrivate()), "mixed ecdsa")))
                .containsExactly(SSH_AGENT_FAILURE);

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair pair = rsa.generateKeyPair();
        BigInteger d = ((RSAPrivateCrtKey) pair.getPrivate()).getPrivateExponent();
        assertThat(agent.ask(addRsaWithExponent(pair, d.add(BigInteger.TWO), "wrong d")))
                .containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(addRsaWithExponent(pair, d, "right d"))).containsExactly(SSH_AGENT_SUCCESS);

        assertThat(listed()).containsExactly(SshPublicKeys.encode(pair.getPublic()));
        assertThat(log.records(Level.WARNING)).anyMatch(m -> m.contains("\"mixed ecdsa\"")
                && m.contains("does not match its public key"));
    }

    @Test
    void theConstraintsOfAnAddedKeyHoldWhenTheTpmOffersTheSameKey() throws Exception {
        // A key in the TPM store whose file the user also has; the supplied key is an in-memory stand-in.
        KeyPair pair = RecordingPolicy.p256();
        byte[] blob = SshPublicKeys.encode(pair.getPublic());
        try (LocalAgent refusing = new LocalAgent(AgentOptions.builder()
                .environment(Map.of("SSH_ASKPASS", "/bin/false", "SSH_ASKPASS_REQUIRE", "force")).build())) {
            refusing.supplied.add(new MemoryKey(pair, "tpm stand-in"));
            assertThat(refusing.ask(sign(blob, new byte[8], 0))[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
            assertThat(refusing.ask(addConstrained(pair, "confirm each use", confirm())))
                    .containsExactly(SSH_AGENT_SUCCESS);
            assertThat(refusing.ask(sign(blob, new byte[8], 0))).as("ssh-add -c, and askpass says no")
                    .containsExactly(SSH_AGENT_FAILURE);
            assertThat(Identities.comments(refusing.ask(identities()))).containsExactly("confirm each use");
        }
    }

    @Test
    void addingAKeyAgainReplacesTheOldCopyAndForgetsIt() throws Exception {
        KeyPair pair = RecordingPolicy.p256();
        assertThat(agent.ask(add(pair, "first"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(add(pair, "second"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(policy.made).hasSize(2);
        assertThat(policy.made.get(0).isClosed()).as("the replaced copy").isTrue();
        assertThat(policy.made.get(1).isClosed()).as("the copy in use").isFalse();
        assertThat(Identities.comments(agent.ask(identities()))).containsExactly("second");
        assertThat(agent.ask(sign(SshPublicKeys.encode(pair.getPublic()), new byte[8], 0))[0])
                .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
    }
}
