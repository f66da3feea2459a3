package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.AgentRequests.*;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ssh-add -t: a key past its lifetime is forgotten and closed, by its timer or when the agent's clock says so. */
class KeyLifetimeTest {

    private final AgentLogCapture log = new AgentLogCapture();
    private final RecordingPolicy policy = new RecordingPolicy();
    private LocalAgent agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        log.close();
    }

    @Test
    void theTimerForgetsAndClosesAKeyWhoseLifetimeEndedWithoutAnyRequest() throws Exception {
        agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).addedKeys(policy).build());
        assertThat(agent.ask(addConstrained(RecordingPolicy.p256(), "one second", lifetime(1))))
                .containsExactly(SSH_AGENT_SUCCESS);
        assertThat(policy.made.get(0).closed.await(20, TimeUnit.SECONDS)).as("closed by its timer").isTrue();
        assertThat(log.await(Level.INFO, "agent: key \"one second\" reached its lifetime and was forgotten",
                Duration.ofSeconds(10))).isTrue();
        assertThat(Identities.comments(agent.ask(identities()))).isEmpty();
    }

    @Test
    void aKeyPastItsLifetimeOnTheAgentsClockIsClosedWhenTheKeysAreNextListed() throws Exception {
        // The agent's clock decides; this one moves only when told, and the timer is an hour away.
        Instant start = Instant.now();
        ManualClock clock = new ManualClock(start);
        agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).addedKeys(policy).clock(clock).build());
        assertThat(agent.ask(addConstrained(RecordingPolicy.p256(), "an hour", lifetime(3600))))
                .containsExactly(SSH_AGENT_SUCCESS);
        assertThat(agent.ask(addConstrained(RecordingPolicy.p256(), "two hours", lifetime(7200))))
                .containsExactly(SSH_AGENT_SUCCESS);
        clock.set(start.plusSeconds(3600));
        assertThat(Identities.comments(agent.ask(identities()))).containsExactly("two hours");
        assertThat(policy.made.get(0).isClosed()).isTrue();
        assertThat(policy.made.get(1).isClosed()).isFalse();
    }
}
