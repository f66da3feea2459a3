package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_REQUEST_IDENTITIES;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_SIGN_REQUEST;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_FAILURE;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_IDENTITIES_ANSWER;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_SIGN_RESPONSE;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/** The agent against OpenSSH's own tools and against clients that break the protocol. */
class SshAgentServerTest {

    @TempDir
    Path dir;

    private final List<AgentKey> keys = new CopyOnWriteArrayList<>();
    private SshAgentServer agent;
    private Path socket;
    private AgentLogCapture log;

    @BeforeEach
    void startAgent() throws Exception {
        log = new AgentLogCapture();
        socket = dir.resolve("agent.sock");
        assertThat(socket.toString().length()).as("sun_path limit").isLessThan(100);
        agent = SshAgentServer.start(socket, () -> keys);
    }

    @AfterEach
    void stopAgent() {
        agent.close();
        // Whatever a test threw at the agent, it logged single lines, never a stack trace.
        assertThat(log.anyWithStackTrace()).as("stack traces in %s", log.messages()).isFalse();
        log.close();
    }

    @Test
    void sshAddListsExactlyTheSuppliedKeys() throws Exception {
        List<String> expected = new ArrayList<>();
        for (SoftwareAgentKey key : List.of(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "p256 key"),
                SoftwareAgentKey.ecdsa(SshCurve.NISTP384, "p384"), SoftwareAgentKey.ecdsa(SshCurve.NISTP521, "p521"),
                SoftwareAgentKey.rsa(2048, "rsa"))) {
            keys.add(key);
            expected.add(key.authorizedKeysLine());
        }
        assertThat(OpenSshClient.listAgentKeys(socket)).containsExactlyElementsOf(expected);
    }

    @Test
    void keySetFollowsTheSupplier() throws Exception {
        assertThat(OpenSshClient.listAgentKeys(socket)).isEmpty();
        SoftwareAgentKey added = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "added later");
        keys.add(added);
        assertThat(OpenSshClient.listAgentKeys(socket)).containsExactly(added.authorizedKeysLine());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nistp256", "nistp384", "nistp521", "rsa"})
    void sshKeygenSignsThroughTheAgentAndItsSignatureVerifies(String type) throws Exception {
        SoftwareAgentKey key = "rsa".equals(type) ? SoftwareAgentKey.rsa(2048, "rsa")
                : SoftwareAgentKey.ecdsa(SshCurve.ofIdentifier(type).orElseThrow(), type);
        keys.add(key);
        Path pub = dir.resolve("key.pub");
        Files.writeString(pub, key.authorizedKeysLine() + "\n");
        Path data = dir.resolve("data");
        Files.writeString(data, "signed through the tpmssh agent\n");
        Map<String, String> env = Map.of("SSH_AUTH_SOCK", socket.toString());

        // Given only the .pub, ssh-keygen must find the private half in the agent.
        CommandResult sign = CommandRunner.run(List.of("ssh-keygen", "-Y", "sign", "-f", pub.toString(),
                "-n", "file", data.toString()), env, Duration.ofSeconds(30));
        assertThat(sign.exitCode()).as(sign.describe()).isZero();
        Path signature = dir.resolve("data.sig");
        assertThat(signature).exists();

        List<String> check = List.of("ssh-keygen", "-Y", "check-novalidate", "-n", "file",
                "-f", pub.toString(), "-s", signature.toString());
        CommandResult good = CommandRunner.run(check, Map.of(), Duration.ofSeconds(30), data);
        assertThat(good.exitCode()).as(good.describe()).isZero();

        Files.writeString(data, "tampered\n");
        CommandResult tampered = CommandRunner.run(check, Map.of(), Duration.ofSeconds(30), data);
        assertThat(tampered.exitCode()).as("a tampered file must not verify").isNotZero();
    }

    @Test
    void socketIsOwnerOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
    }

    @Test
    void directoryOthersCanEnterIsRefused() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatThrownBy(() -> SshAgentServer.start(shared.resolve("a.sock"), () -> keys))
                .isInstanceOf(AgentSocketException.class).hasMessageContaining("chmod 700");
        assertThat(shared.resolve("a.sock")).doesNotExist();
    }

    @Test
    void missingDirectoryIsCreatedPrivate() throws Exception {
        Path fresh = dir.resolve("fresh");
        try (SshAgentServer second = SshAgentServer.start(fresh.resolve("s"), () -> keys)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rwx------");
            assertThat(second.socketPath()).exists();
        }
    }

    @Test
    void pathTooLongForAUnixSocketIsRefusedWithAdvice() {
        Path deep = dir.resolve("x".repeat(120)).resolve("agent.sock");
        assertThatThrownBy(() -> SshAgentServer.start(deep, () -> keys))
                .isInstanceOf(AgentSocketException.class).hasMessageContaining("use a shorter directory");
    }

    @Test
    void existingSocketPathIsNotStolen() {
        assertThatThrownBy(() -> SshAgentServer.start(socket, () -> keys))
                .isInstanceOf(AgentSocketException.class).hasMessageContaining("already exists");
        assertThat(socket).exists();
    }

    @Test
    void closeDeletesTheSocketAndStopsItsThreads() throws Exception {
        try (RawAgentClient idle = RawAgentClient.connect(socket)) {
            assertThat(idle.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES})[0]).isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
            agent.close();
            assertThat(idle.closedByAgent()).isTrue();
        }
        agent.close(); // idempotent
        assertThat(socket).doesNotExist();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("tpmssh-agent") && t.isAlive());
    }

    @Test
    void unknownMessageGetsFailureAndTheConnectionStaysUsable() throws Exception {
        try (RawAgentClient client = RawAgentClient.connect(socket)) {
            byte[] addIdentity = {17, 0, 0, 0, 0};
            assertThat(client.request(addIdentity)).containsExactly(SSH_AGENT_FAILURE);
            assertThat(client.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES})[0])
                    .isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
        }
    }

    @Test
    void signRequestForAKeyTheAgentDoesNotHoldFails() throws Exception {
        keys.add(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "held"));
        byte[] stranger = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "not held").publicKeyBlob();
        try (RawAgentClient client = RawAgentClient.connect(socket)) {
            assertThat(client.request(signRequest(stranger, new byte[32], 0))).containsExactly(SSH_AGENT_FAILURE);
        }
    }

    @Test
    void garbageInsideKnownMessagesGetsFailure() throws Exception {
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "held");
        keys.add(key);
        byte[] overlongBlob = ByteBuffer.allocate(9).put((byte) SSH_AGENTC_SIGN_REQUEST).putInt(0xffff_fff0)
                .putInt(0).array();
        byte[] trailing = ByteBuffer.allocate(signRequest(key.publicKeyBlob(), new byte[8], 0).length + 1)
                .put(signRequest(key.publicKeyBlob(), new byte[8], 0)).put((byte) 0x55).array();
        byte[] flagsMissing = new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST)
                .writeString(key.publicKeyBlob()).writeString(new byte[8]).toByteArray();
        byte[] identitiesWithPayload = {SSH_AGENTC_REQUEST_IDENTITIES, 1, 2, 3};
        try (RawAgentClient client = RawAgentClient.connect(socket)) {
            for (byte[] garbage : List.of(overlongBlob, trailing, flagsMissing, identitiesWithPayload)) {
                assertThat(client.request(garbage)).containsExactly(SSH_AGENT_FAILURE);
            }
            // Still in sync after all of that.
            assertThat(client.request(signRequest(key.publicKeyBlob(), new byte[8], 0))[0])
                    .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        }
        assertThat(log.messages()).anyMatch(m -> m.contains("malformed"));
    }

    @Test
    void oversizedOrEmptyFrameGetsFailureThenHangUp() throws Exception {
        for (int length : new int[] {Integer.MAX_VALUE, -1, AgentMessages.MAX_MESSAGE_BYTES + 1, 0}) {
            try (RawAgentClient client = RawAgentClient.connect(socket)) {
                client.sendRaw(ByteBuffer.allocate(5).putInt(length).put((byte) SSH_AGENTC_REQUEST_IDENTITIES).array());
                assertThat(client.receive()).as("length %d", length).containsExactly(SSH_AGENT_FAILURE);
                assertThat(client.closedByAgent()).isTrue();
            }
        }
        assertThat(OpenSshClient.listAgentKeys(socket)).isEmpty(); // and the agent still serves
        assertThat(log.records(Level.WARNING)).contains("agent: rejected a frame of 0 bytes (limit 262144); closing",
                "agent: rejected a frame of 4294967295 bytes (limit 262144); closing");
    }

    @Test
    void truncatedFrameThenHangUpLeavesTheAgentServing() throws Exception {
        keys.add(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "still here"));
        try (RawAgentClient client = RawAgentClient.connect(socket)) {
            client.sendRaw(ByteBuffer.allocate(14).putInt(100).put((byte) SSH_AGENTC_SIGN_REQUEST).array());
        }
        try (RawAgentClient client = RawAgentClient.connect(socket)) {
            client.sendRaw(new byte[] {0, 0}); // not even a whole length
        }
        assertThat(OpenSshClient.listAgentKeys(socket)).hasSize(1);
        awaitNoConnections();
        assertThat(log.records(Level.WARNING)).filteredOn(m -> m.startsWith("agent: client hung up mid-frame")).hasSize(2);
    }

    /** Until every client's connection has ended on the agent's side too, which is after it logged why. */
    private void awaitNoConnections() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (agent.openConnections() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(agent.openConnections()).isZero();
    }

    @Test
    void clientStalledMidFrameDoesNotBlockOthers() throws Exception {
        keys.add(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "k"));
        try (RawAgentClient stalled = RawAgentClient.connect(socket)) {
            stalled.sendRaw(new byte[] {0, 0, 0, 50, SSH_AGENTC_SIGN_REQUEST});
            assertThat(OpenSshClient.listAgentKeys(socket)).hasSize(1);
        }
    }

    @Test
    void clientStalledMidFrameIsDroppedAfterTheFrameTimeout() throws Exception {
        try (SshAgentServer strict = SshAgentServer.start(dir.resolve("strict.sock"), () -> keys, Duration.ofMillis(200));
                RawAgentClient stalled = RawAgentClient.connect(strict.socketPath())) {
            stalled.sendRaw(new byte[] {0, 0, 0, 50, SSH_AGENTC_SIGN_REQUEST});
            assertThat(stalled.closedByAgent()).isTrue();
        }
        assertThat(log.messages()).anyMatch(m -> m.contains("stalled mid-frame"));
    }

    @Test
    void idleClientBetweenFramesIsNotDropped() throws Exception {
        try (SshAgentServer strict = SshAgentServer.start(dir.resolve("strict.sock"), () -> keys, Duration.ofMillis(100));
                RawAgentClient idle = RawAgentClient.connect(strict.socketPath())) {
            Thread.sleep(300); // ssh holds its agent connection idle for the whole login
            assertThat(idle.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES})[0])
                    .isEqualTo((byte) SSH_AGENT_IDENTITIES_ANSWER);
        }
    }

    @Test
    void failingKeysAndSuppliersCostOneFailureNotTheServer() throws Exception {
        AgentKey refusing = new ScriptedKey(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "refusing"), (key, data, flags) -> {
            throw new AgentSignException("TPM unreachable; is swtpm running?");
        });
        AgentKey buggy = new ScriptedKey(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "buggy"), (key, data, flags) -> {
            throw new IllegalStateException("bug");
        });
        keys.addAll(List.of(refusing, buggy));
        try (RawAgentClient client = RawAgentClient.connect(socket)) {
            assertThat(client.request(signRequest(refusing.publicKeyBlob(), new byte[4], 0))).containsExactly(SSH_AGENT_FAILURE);
            assertThat(client.request(signRequest(buggy.publicKeyBlob(), new byte[4], 0))).containsExactly(SSH_AGENT_FAILURE);
        }
        try (SshAgentServer broken = SshAgentServer.start(dir.resolve("broken.sock"), () -> {
            throw new IllegalStateException("key store unreadable");
        }); RawAgentClient client = RawAgentClient.connect(broken.socketPath())) {
            assertThat(client.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES})).containsExactly(SSH_AGENT_FAILURE);
        }
        assertThat(log.messages()).anyMatch(m -> m.contains("TPM unreachable"));
    }

    @Test
    void eightClientsSignInParallelAndNothingSignedIsLogged() throws Exception {
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "parallel");
        // Each sign waits until all eight are inside the key at once: an agent that serialised them would leave
        // the first one waiting alone until the barrier gives up, and its client would get a failure.
        CyclicBarrier allInside = new CyclicBarrier(8);
        keys.add(new ScriptedKey(key, (real, d, flags) -> {
            try {
                allInside.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AgentSignException("interrupted");
            } catch (BrokenBarrierException | TimeoutException e) {
                throw new AgentSignException("the eight signs did not run at the same time");
            }
            return real.sign(d, flags);
        }));
        byte[] data = "secret-session-id-marker".getBytes(StandardCharsets.UTF_8);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    try (RawAgentClient client = RawAgentClient.connect(socket)) {
                        return client.request(signRequest(key.publicKeyBlob(), data, 0));
                    }
                }));
            }
            for (Future<byte[]> result : results) {
                byte[] response = result.get(60, TimeUnit.SECONDS);
                assertThat(response[0]).as("a sign response, not a failure: the signs ran side by side")
                        .isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
                assertThat(verifies(key, data, response)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(log.messages()).noneMatch(m -> m.contains("secret-session-id-marker"));
    }

    private static boolean verifies(SoftwareAgentKey key, byte[] data, byte[] response) throws Exception {
        SshWireReader reader = new SshWireReader(response, 1, response.length - 1);
        byte[] blob = reader.readString();
        reader.requireEnd("sign response");
        Signature verifier = Signature.getInstance(SshCurve.NISTP256.jcaSignatureAlgorithm());
        verifier.initVerify(SshPublicKeys.parse(key.publicKeyBlob()));
        verifier.update(data);
        return verifier.verify(SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(SshCurve.NISTP256, blob)));
    }

    private static byte[] signRequest(byte[] blob, byte[] data, int flags) {
        return new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(blob).writeString(data)
                .writeUint32(flags).toByteArray();
    }

    private static AgentKey slow(AgentKey real, Duration delay) {
        return new ScriptedKey(real, (key, data, flags) -> {
            try {
                Thread.sleep(delay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AgentSignException("interrupted");
            }
            return key.sign(data, flags);
        });
    }
}
