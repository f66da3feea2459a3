package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_REQUEST_IDENTITIES;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_SIGN_REQUEST;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_IDENTITIES_ANSWER;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_SIGN_RESPONSE;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * Issue 10 items 4 and 8: clients that connect and then do nothing cannot lock the agent (an idle timeout, and a
 * full table gives the slot of the client that has waited longest on its own side, never one the agent is working
 * for), and a flood of frames leaves no cancelled deadline queued behind it. Real ssh-add and ssh are the clients
 * that must keep working.
 */
class AgentConnectionLimitsTest {

    @TempDir
    Path dir;

    private AgentLogCapture log;

    @BeforeEach
    void capture() {
        log = new AgentLogCapture();
    }

    @AfterEach
    void release() {
        assertThat(log.anyWithStackTrace()).as("stack traces in %s", log.messages()).isFalse();
        log.close();
    }

    @Test
    void moreIdleConnectionsThanTheCapStillLetSshAddAndARealLoginThrough() throws Exception {
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "held open");
        int held = SshAgentServer.MAX_CONNECTIONS + 36;
        List<RawAgentClient> idle = new ArrayList<>();
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), () -> List.of(key));
                OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(key.authorizedKeysLine()))) {
            try {
                for (int i = 0; i < held; i++) {
                    idle.add(RawAgentClient.connect(agent.socketPath()));
                }
                awaitOpen(agent, SshAgentServer.MAX_CONNECTIONS);

                assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).as("ssh-add -L with %d idle clients", held)
                        .containsExactly(key.authorizedKeysLine());
                CommandResult login = new OpenSshClient(dir.resolve("client"), sshd).run(agent.socketPath(), "true");
                assertThat(login.exitCode()).as("%s\nsshd log: %s", login.describe(), sshd.logFile()).isZero();
                assertThat(Files.readString(sshd.logFile())).contains("Accepted publickey");

                assertThat(agent.openConnections()).isLessThanOrEqualTo(SshAgentServer.MAX_CONNECTIONS);
                // The slots went to the newcomers: the clients that had idled longest were the ones let go.
                assertThat(idle.get(0).closedByAgent()).as("the first idle client").isTrue();
                RawAgentClient newest = idle.get(held - 1);
                assertThat(newest.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES})[0])
                        .as("the newest idle client is still served").isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
            } finally {
                for (RawAgentClient c : idle) {
                    c.close();
                }
            }
        }
        assertThat(log.messages()).anyMatch(m -> m.contains("connections open") && m.contains("waited longest"));
    }

    @Test
    void aClientTheAgentIsWorkingForIsNeverTheOneLetGo() throws Exception {
        SoftwareAgentKey real = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "slow");
        CountDownLatch signing = new CountDownLatch(1);
        CountDownLatch mayFinish = new CountDownLatch(1);
        AgentKey slow = new ScriptedKey(real, (key, data, flags) -> {
            signing.countDown();
            try {
                mayFinish.await(30, TimeUnit.SECONDS); // a person answering askpass, a slow TPM
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return key.sign(data, flags);
        });
        List<RawAgentClient> idle = new ArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), () -> List.of(slow));
                RawAgentClient busy = RawAgentClient.connect(agent.socketPath())) {
            busy.send(new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(slow.publicKeyBlob())
                    .writeString(new byte[32]).writeUint32(0).toByteArray());
            assertThat(signing.await(10, TimeUnit.SECONDS)).isTrue();
            // It connected first, so it has the oldest connection of all; it must survive a table full of idlers.
            for (int i = 0; i < 2 * SshAgentServer.MAX_CONNECTIONS; i++) {
                idle.add(RawAgentClient.connect(agent.socketPath()));
            }
            awaitOpen(agent, SshAgentServer.MAX_CONNECTIONS);
            Future<byte[]> answer = pool.submit(busy::receive);
            mayFinish.countDown();
            assertThat(answer.get(10, TimeUnit.SECONDS)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        } finally {
            mayFinish.countDown();
            pool.shutdownNow();
            for (RawAgentClient c : idle) {
                c.close();
            }
        }
    }

    @Test
    void aConnectionIdleLongerThanTheIdleTimeoutIsClosedAndABusyOneIsNot() throws Exception {
        AgentOptions options = AgentOptions.builder().idleTimeout(Duration.ofMillis(400)).build();
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), List::of, options);
                RawAgentClient quiet = RawAgentClient.connect(agent.socketPath());
                RawAgentClient chatty = RawAgentClient.connect(agent.socketPath())) {
            for (int i = 0; i < 12; i++) {
                Thread.sleep(100);
                assertThat(chatty.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES})[0])
                        .isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
            }
            assertThat(quiet.closedByAgent()).as("idle for 1.2 s with a 400 ms idle timeout").isTrue();
            assertThat(chatty.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES})[0])
                    .isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
        }
    }

    @Test
    void theDefaultIdleTimeoutOutlastsAnSshdLoginGraceTime() {
        // sshd's LoginGraceTime (120 s) bounds how long a login may hold its agent connection.
        assertThat(AgentOptions.defaults().idleTimeout()).isGreaterThan(Duration.ofSeconds(120))
                .isLessThanOrEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void aFloodOfFramesLeavesNoCancelledDeadlineQueued() throws Exception {
        // A frame timeout far longer than the flood, so no deadline can leave the queue by firing.
        AgentOptions options = AgentOptions.builder().frameTimeout(Duration.ofMinutes(30)).build();
        int frames = 20_000;
        int batch = 500;
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), List::of, options);
                RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            byte[] request = {0, 0, 0, 1, SSH_AGENTC_REQUEST_IDENTITIES};
            ByteBuffer many = ByteBuffer.allocate(request.length * batch);
            for (int i = 0; i < batch; i++) {
                many.put(request);
            }
            for (int sent = 0; sent < frames; sent += batch) {
                client.sendRaw(many.array());
                for (int i = 0; i < batch; i++) {
                    assertThat(client.receive()[0]).isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
                }
            }
            // What stays queued is at most this client's one pending deadline, not one per frame served.
            assertThat(agent.queuedDeadlines()).as("deadlines queued after %d frames", frames).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void aClientThatNeverReadsItsAnswersIsDroppedAfterTheFrameTimeout() throws Exception {
        AgentOptions options = AgentOptions.builder().frameTimeout(Duration.ofMillis(500)).build();
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("a/s"), List::of, options);
                SocketChannel greedy = SocketChannel.open(UnixDomainSocketAddress.of(agent.socketPath()))) {
            byte[] request = {0, 0, 0, 1, SSH_AGENTC_REQUEST_IDENTITIES};
            ByteBuffer many = ByteBuffer.allocate(request.length * 100_000);
            for (int i = 0; i < 100_000; i++) {
                many.put(request);
            }
            many.flip();
            awaitOpen(agent, 1);
            // The answers (9 bytes each) fill both socket buffers; the agent's write must not wait forever.
            Thread sender = new Thread(() -> {
                try {
                    while (many.hasRemaining()) {
                        greedy.write(many);
                    }
                } catch (IOException e) {
                    // the agent hung up: expected
                }
            });
            sender.setDaemon(true);
            sender.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (agent.openConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(agent.openConnections()).as("the client that never reads was let go").isZero();
            greedy.close();
            sender.join(5000);
        }
        assertThat(log.messages()).anyMatch(m -> m.contains("did not read its answers"));
    }

    private static void awaitOpen(SshAgentServer agent, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (agent.openConnections() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(agent.openConnections()).isEqualTo(count);
    }
}
