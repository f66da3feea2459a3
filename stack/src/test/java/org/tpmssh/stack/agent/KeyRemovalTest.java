package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.AgentRequests.*;

import java.security.KeyPair;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.ssh.SshPublicKeys;

/**
 * ssh-add -d and -D: an added key is forgotten and closed, a supplied (TPM) key is only no longer offered; the
 * supplied keys here are in-memory keys standing in for the TPM's.
 */
class KeyRemovalTest {

    private final AgentLogCapture log = new AgentLogCapture();
    private final RecordingPolicy policy = new RecordingPolicy();
    private LocalAgent agent;
    private KeyPair tpmPair;
    private MemoryKey tpmKey;
    private MemoryKey otherTpmKey;

    @BeforeEach
    void start() throws Exception {
        agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).addedKeys(policy).build());
        tpmPair = RecordingPolicy.p256();
        tpmKey = new MemoryKey(tpmPair, "tpm stand-in");
        otherTpmKey = new MemoryKey(RecordingPolicy.p256(), "other tpm stand-in");
        agent.supplied.add(tpmKey);
        agent.supplied.add(otherTpmKey);
    }

    @AfterEach
    void stop() {
        agent.close();
        assertThat(log.anyWithStackTrace()).isFalse();
        log.close();
    }

    private java.util.List<String> listed() throws Exception {
        return Identities.comments(agent.ask(identities()));
    }

    @Test
    void removingAnAddedKeyForgetsAndClosesIt() throws Exception {
        KeyPair pair = RecordingPolicy.p256();
        byte[] blob = SshPublicKeys.encode(pair.getPublic());
        assertThat(agent.ask(add(pair, "added"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(remove(blob))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(policy.made.get(0).isClosed()).isTrue();
        assertThat(log.records(Level.INFO)).contains("agent: removed added key \"added\"");
        assertThat(listed()).containsExactly("tpm stand-in", "other tpm stand-in");
        assertThat(agent.ask(sign(blob, new byte[8], 0))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(remove(blob))).as("already gone").containsExactly(SSH_AGENT_FAILURE);
    }

    @Test
    void removingASuppliedKeyStopsOfferingThatKeyOnlyUntilItIsAddedAgain() throws Exception {
        assertThat(agent.ask(remove(tpmKey.publicKeyBlob()))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(log.records(Level.INFO)).anyMatch(m -> m.startsWith("agent: key \"tpm stand-in\" is no longer"
                + " offered by this agent"));
        assertThat(listed()).containsExactly("other tpm stand-in");
        assertThat(agent.ask(sign(tpmKey.publicKeyBlob(), new byte[8], 0))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(remove(tpmKey.publicKeyBlob()))).as("already hidden").containsExactly(SSH_AGENT_FAILURE);

        // ssh-add of the same key offers it again, as the added copy.
        assertThat(agent.ask(add(tpmPair, "its twin"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(listed()).containsExactly("its twin", "other tpm stand-in");
    }

    @Test
    void removingTheAddedCopyOfASuppliedKeyStopsOfferingBoth() throws Exception {
        assertThat(agent.ask(add(tpmPair, "its twin"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(remove(tpmKey.publicKeyBlob()))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(policy.made.get(0).isClosed()).isTrue();
        assertThat(listed()).as("ssh-add -d took the key away").containsExactly("other tpm stand-in");
        assertThat(agent.ask(sign(tpmKey.publicKeyBlob(), new byte[8], 0))).containsExactly(SSH_AGENT_FAILURE);
    }

    @Test
    void aRemovedAddedKeyIsOfferedWhenTheTpmStoreGainsItLater() throws Exception {
        KeyPair pair = RecordingPolicy.p256();
        assertThat(agent.ask(add(pair, "added"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(remove(SshPublicKeys.encode(pair.getPublic())))).containsExactly(SSH_AGENT_SUCCESS);
        agent.supplied.add(new MemoryKey(pair, "imported later")); // tpmssh key import while the agent runs
        assertThat(listed()).containsExactly("tpm stand-in", "other tpm stand-in", "imported later");
    }

    @Test
    void removingAKeyTheAgentDoesNotHoldFails() throws Exception {
        byte[] stranger = SshPublicKeys.encode(RecordingPolicy.p256().getPublic());
        assertThat(agent.ask(remove(stranger))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(listed()).containsExactly("tpm stand-in", "other tpm stand-in");
    }

    @Test
    void bytesAfterTheKeyMakeARemoveMalformed() throws Exception {
        assertThat(agent.ask(concat(remove(tpmKey.publicKeyBlob()), new byte[] {0}))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(concat(removeAll(), new byte[] {0}))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(listed()).containsExactly("tpm stand-in", "other tpm stand-in");
    }

    @Test
    void removeAllForgetsAndClosesEveryAddedKeyAndSaysHowMany() throws Exception {
        assertThat(agent.ask(add(RecordingPolicy.p256(), "one"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(add(RecordingPolicy.p256(), "two"))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(removeAll())).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(listed()).isEmpty();
        assertThat(policy.made).hasSize(2).allMatch(RecordingPolicy.Held::isClosed);
        assertThat(log.records(Level.INFO)).contains("agent: removed all identities (2 added keys forgotten)");
    }

    @Test
    void removeAllStillForgetsAddedKeysWhenTheSupplierFails() throws Exception {
        assertThat(agent.ask(add(RecordingPolicy.p256(), "one"))).containsExactly(SSH_AGENT_SUCCESS);
        agent.supplierFailure = new IllegalStateException("key store unreadable");
        assertThat(agent.ask(removeAll())).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(policy.made.get(0).isClosed()).isTrue();
        assertThat(log.records(Level.SEVERE))
                .contains("agent: the key supplier failed: java.lang.IllegalStateException: key store unreadable");
    }

    @Test
    void aKeyThatFailsToCloseIsRemovedAnywayAndTheFailureLogged() throws Exception {
        KeyPair pair = RecordingPolicy.p256();
        assertThat(agent.ask(add(pair, "stubborn"))).containsExactly(SSH_AGENT_SUCCESS);
        policy.made.get(0).failClose = true;
        assertThat(agent.ask(remove(SshPublicKeys.encode(pair.getPublic())))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(listed()).doesNotContain("stubborn");
        assertThat(log.records(Level.WARNING)).contains("agent: closing key \"stubborn\" failed:"
                + " java.lang.IllegalStateException: this key cannot be closed");
    }
}
