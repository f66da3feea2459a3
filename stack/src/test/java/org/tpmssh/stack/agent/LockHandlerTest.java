package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.AgentRequests.*;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshWireReader;

/** ssh-add -x / -X: what a locked agent still answers, how unlocking is guarded, and what locking forgets. */
class LockHandlerTest {

    private static final String PASSPHRASE = "correct horse staple";
    private static final byte[] EMPTY_LIST = {SSH_AGENT_IDENTITIES_ANSWER, 0, 0, 0, 0};

    private final AgentLogCapture log = new AgentLogCapture();
    private SoftwareAgentKey key;
    private LocalAgent agent;

    @BeforeEach
    void start() throws Exception {
        key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "tpm stand-in");
        agent = new LocalAgent(AgentOptions.builder().environment(java.util.Map.of()).build());
        agent.supplied.add(key);
    }

    @AfterEach
    void stop() {
        agent.close();
        assertThat(String.join("\n", log.messages())).doesNotContain(PASSPHRASE).doesNotContain("battery");
        log.close();
    }

    @Test
    void eachWrongPassphraseCostsALongerPauseUpToOneSecondAndTheRightOneUnlocks() {
        assertThat(agent.ask(lock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(log.records(Level.INFO)).contains("agent: locked");
        for (int i = 0; i < 12; i++) {
            assertThat(agent.ask(unlock("battery " + i))).containsExactly(SSH_AGENT_FAILURE);
        }
        assertThat(agent.unlockDelays).containsExactly(100L, 200L, 300L, 400L, 500L, 600L, 700L, 800L, 900L, 1000L,
                1000L, 1000L);
        assertThat(log.records(Level.WARNING)).contains("agent: wrong passphrase to unlock (3 so far)",
                "agent: wrong passphrase to unlock (12 so far)");
        assertThat(agent.ask(identities())).containsExactly(EMPTY_LIST);

        assertThat(agent.ask(unlock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.unlockDelays).hasSize(12); // the right passphrase costs no pause
        assertThat(log.records(Level.INFO)).contains("agent: unlocked");
        assertThat(listed()).isEqualTo(1);
    }

    @Test
    void lockingALockedAgentFailsAndKeepsTheFirstPassphrase() {
        assertThat(agent.ask(lock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(lock("battery other"))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(unlock("battery other"))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(unlock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
    }

    @Test
    void ofTwoLocksThatRaceOnlyTheFirstSetsThePassphrase() throws Exception {
        // The dispatcher refuses a lock while locked; two clients locking at once can both pass that check.
        LockHandler handler = new LockHandler(agent.options.pins(), agent.unlockDelays::add);
        assertThat(handler.lock(body(lock(PASSPHRASE)))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(handler.lock(body(lock("battery other")))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(handler.unlock(body(unlock(PASSPHRASE)))).containsExactly(SSH_AGENT_SUCCESS);
    }

    private static SshWireReader body(byte[] request) {
        return new SshWireReader(request, 1, request.length - 1);
    }

    @Test
    void unlockingAnUnlockedAgentFails() {
        assertThat(agent.ask(unlock(PASSPHRASE))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.unlockDelays).isEmpty();
    }

    @Test
    void bytesAfterThePassphraseMakeALockOrUnlockMalformed() {
        assertThat(agent.ask(concat(lock(PASSPHRASE), new byte[] {0}))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(listed()).as("not locked by a malformed lock").isEqualTo(1);

        assertThat(agent.ask(lock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(concat(unlock(PASSPHRASE), new byte[] {0}))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(identities())).as("still locked").containsExactly(EMPTY_LIST);
        assertThat(agent.ask(unlock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
    }

    @Test
    void aLockedAgentListsNothingAndRefusesEveryOtherRequest() throws Exception {
        assertThat(agent.ask(lock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(identities())).containsExactly(EMPTY_LIST);
        assertThat(agent.ask(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES, 0})).as("malformed identities request")
                .containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(sign(key.publicKeyBlob(), new byte[8], 0))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(removeAll())).containsExactly(SSH_AGENT_FAILURE);
        assertThat(agent.ask(remove(key.publicKeyBlob()))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.INFO)).contains("agent: locked; refusing message type 13",
                "agent: locked; refusing message type 19");

        assertThat(agent.ask(unlock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(listed()).as("nothing was removed while locked").isEqualTo(1);
        assertThat(agent.ask(sign(key.publicKeyBlob(), new byte[8], 0))[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
    }

    @Test
    void lockingForgetsCachedPins() throws Exception {
        // The PIN key fakes the TPM's PIN check (AgentPinTest.PinKey); the PIN source counts how often it is asked.
        AgentPinTest.PinKey pinKey = new AgentPinTest.PinKey(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "work key"));
        pinKey.pin = "pin-of-the-work-token";
        CountingPinSource counting = new CountingPinSource("pin-of-the-work-token");
        agent.close();
        agent = new LocalAgent(AgentOptions.builder().pinSources(List.of(counting))
                .pinCacheLifetime(Duration.ofHours(1)).build());
        agent.supplied.add(pinKey);
        byte[] request = sign(pinKey.publicKeyBlob(), new byte[8], 0);
        assertThat(agent.ask(request)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(agent.ask(request)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(counting.asked).as("cached after the first signature").hasValue(1);

        assertThat(agent.ask(lock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(unlock(PASSPHRASE))).containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(request)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(counting.asked).as("asked again after a lock").hasValue(2);
    }

    @Test
    void theDefaultPauseSleepsAtLeastThatLong() {
        // A lower bound only: a sleep is never shorter than asked, however busy the machine.
        long start = System.nanoTime();
        LockHandler.sleepQuietly(150);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(150);
    }

    @Test
    void theDefaultPauseEndsOnAnInterruptAndKeepsIt() {
        Thread.currentThread().interrupt();
        LockHandler.sleepQuietly(60_000);
        assertThat(Thread.interrupted()).as("the interrupt is still set").isTrue();
    }

    private long listed() {
        byte[] answer = agent.ask(identities());
        assertThat(answer[0]).isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
        return java.nio.ByteBuffer.wrap(answer, 1, 4).getInt();
    }
}
