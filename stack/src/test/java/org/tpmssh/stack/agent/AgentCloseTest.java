package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.AgentRequests.*;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;

/** What closing the agent promises: no agent thread outlives close(), and added keys, cached PINs and the lock go. */
class AgentCloseTest {

    @TempDir
    Path dir;

    private final AgentLogCapture log = new AgentLogCapture();
    private final List<AgentKey> supplied = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        assertThat(log.anyWithStackTrace()).as("%s", log.messages()).isFalse();
        log.close();
    }

    @Test
    void closeWaitsForAConnectionThreadThatIgnoresItsInterrupt() throws Exception {
        // Released when close() says it has given up waiting for the connection threads as a pool.
        CountDownLatch gaveUp = new CountDownLatch(1);
        Handler release = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage().contains("connection threads still running")) {
                    gaveUp.countDown();
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        CountDownLatch signing = new CountDownLatch(1);
        AtomicReference<Thread> signer = new AtomicReference<>();
        // Fakes a TPM command that cannot be interrupted: it returns only after close() gave up on the pool.
        AgentKey stubborn = new ScriptedKey(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "stubborn"), (key, data, flags) -> {
            signer.set(Thread.currentThread());
            signing.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (gaveUp.getCount() > 0 && System.nanoTime() < deadline) {
                try {
                    gaveUp.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException ignored) {
                    // as a TPM read in progress would
                }
            }
            return key.sign(data, flags);
        });
        supplied.add(stubborn);
        Logger.getLogger(SshAgentServer.class.getName()).addHandler(release);
        try {
            SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), () -> supplied);
            try (RawAgentClient busy = RawAgentClient.connect(agent.socketPath())) {
                busy.send(sign(stubborn.publicKeyBlob(), new byte[8], 0));
                assertThat(signing.await(10, TimeUnit.SECONDS)).isTrue();
                // A connection thread started after the stubborn one, so the server has more than one to wait for.
                try (RawAgentClient other = RawAgentClient.connect(agent.socketPath())) {
                    assertThat(other.request(identities())[0]).isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
                }
                agent.close();
            }
        } finally {
            Logger.getLogger(SshAgentServer.class.getName()).removeHandler(release);
        }
        assertThat(gaveUp.getCount()).as("close() said it waited in vain for the pool").isZero();
        assertThat(signer.get().isAlive()).as("the stubborn thread after close()").isFalse();
        assertThat(signer.get().isDaemon()).as("agent threads never keep the JVM alive").isTrue();
        assertThat(log.messages()).noneMatch(m -> m.contains("deadline thread still running"));
    }

    @Test
    void closingFromAnInterruptedThreadKeepsTheInterruptAndStillForgetsAddedKeys() throws Exception {
        RecordingPolicy policy = new RecordingPolicy();
        SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), () -> supplied,
                AgentOptions.builder().environment(Map.of()).addedKeys(policy).build());
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            assertThat(client.request(add(RecordingPolicy.p256(), "added"))).containsExactly(SSH_AGENT_SUCCESS);
        }
        Thread.currentThread().interrupt();
        agent.close();
        assertThat(Thread.interrupted()).as("the caller's interrupt survives close()").isTrue();
        assertThat(policy.made).singleElement().matches(RecordingPolicy.Held::isClosed);
        assertThat(agent.socketPath()).doesNotExist();
    }

    @Test
    void closingForgetsCachedPins() throws Exception {
        // The PIN key fakes the TPM's PIN check (AgentPinTest.PinKey); the PIN source counts how often it is asked.
        AgentPinTest.PinKey pinKey = new AgentPinTest.PinKey(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "work key"));
        pinKey.pin = "pin-of-the-work-token";
        supplied.add(pinKey);
        CountingPinSource counting = new CountingPinSource("pin-of-the-work-token");
        AgentOptions options = AgentOptions.builder().pinSources(List.of(counting))
                .pinCacheLifetime(Duration.ofHours(1)).build();
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), () -> supplied, options);
                RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            assertThat(client.request(sign(pinKey.publicKeyBlob(), new byte[8], 0))[0])
                    .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
            String answer = options.pins().withPin(pinKey.pinScope(), "work key", pin -> "cached");
            assertThat(answer).isEqualTo("cached");
            assertThat(counting.asked).as("cached while the agent runs").hasValue(1);
        }
        String answer = options.pins().withPin(pinKey.pinScope(), "work key", pin -> "asked");
        assertThat(answer).isEqualTo("asked");
        assertThat(counting.asked).as("asked again once the agent closed").hasValue(2);
    }

    @Test
    void forgettingEverythingAlsoDropsTheLock() throws Exception {
        try (LocalAgent agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).build())) {
            agent.supplied.add(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "tpm stand-in"));
            assertThat(agent.ask(lock("closing lock"))).containsExactly(SSH_AGENT_SUCCESS);
            agent.handler.forgetAll(); // what close() calls
            assertThat(Identities.comments(agent.ask(identities()))).containsExactly("tpm stand-in");
        }
    }

    @Test
    void aKeysLifetimeIsAQueuedDeadline() throws Exception {
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), () -> supplied)) {
            try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
                assertThat(client.request(addConstrained(RecordingPolicy.p256(), "an hour", lifetime(3600))))
                        .containsExactly(SSH_AGENT_SUCCESS);
            }
            assertThat(agent.queuedDeadlines()).isGreaterThanOrEqualTo(1);
        }
    }
}
