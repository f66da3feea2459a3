package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_SIGN_REQUEST;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_FAILURE;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_SIGN_RESPONSE;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * TPM keys on a real swtpm, served by the agent to OpenSSH's tools. Signatures are checked by
 * {@code ssh-keygen -Y check-novalidate}, by a real sshd, or by the JDK; never by our own code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentTpmTest {

    private static final char[] PIN = "agent-test-pin".toCharArray();

    @TempDir
    static Path dir;

    private Swtpm swtpm;
    private Tpm tpm;
    private KeyRing ring;
    private final Map<KeyType, TpmSshKey> keys = new EnumMap<>(KeyType.class);
    private SshAgentServer agent;

    @BeforeAll
    void start() throws Exception {
        swtpm = Swtpm.start();
        tpm = new Tpm(Tcti.parse(swtpm.tcti()).open());
        DictionaryAttack.relaxForOwnSimulator(tpm);
        ring = KeyRing.open(tpm);
        for (KeyType type : KeyType.values()) {
            keys.put(type, TpmSshKeys.create(ring, type, PIN, "tpm " + type.label()));
        }
        agent = SshAgentServer.start(dir.resolve("agent/s"), () -> List.copyOf(keys.values()), AgentOptions.defaults());
    }

    @AfterAll
    void stop() {
        if (agent != null) {
            agent.close();
        }
        keys.values().forEach(TpmSshKey::close);
        if (ring != null) {
            ring.close();
        }
        if (tpm != null) {
            tpm.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    @Order(1)
    void sshAddListsEveryTpmKey() throws Exception {
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath()))
                .containsExactlyInAnyOrderElementsOf(keys.values().stream().map(TpmSshKey::authorizedKeysLine).toList());
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    @Order(2)
    void sshKeygenSignsThroughTheAgentAndChecks(KeyType type) throws Exception {
        Path pub = dir.resolve(type.label() + ".pub");
        Files.writeString(pub, keys.get(type).authorizedKeysLine() + "\n");
        Path data = dir.resolve(type.label() + ".txt");
        Files.writeString(data, "signed by the TPM through the agent\n");
        Map<String, String> env = Map.of("SSH_AUTH_SOCK", agent.socketPath().toString());
        CommandResult sign = CommandRunner.run(List.of("ssh-keygen", "-Y", "sign", "-f", pub.toString(), "-n", "file",
                data.toString()), env, Duration.ofSeconds(60));
        assertThat(sign.exitCode()).as(sign.describe()).isZero();
        CommandResult check = CommandRunner.run(List.of("ssh-keygen", "-Y", "check-novalidate", "-n", "file", "-f",
                pub.toString(), "-s", data + ".sig"), Map.of(), Duration.ofSeconds(60), data);
        assertThat(check.exitCode()).as(check.describe()).isZero();
        assertThat(check.stdout() + check.stderr()).contains("Good \"file\" signature");
    }

    @ParameterizedTest
    @ValueSource(strings = {"rsa-sha2-256", "rsa-sha2-512"})
    @Order(3)
    void rsaLogsInToARealSshdWithTheForcedAlgorithm(String algorithm) throws Exception {
        TpmSshKey key = keys.get(KeyType.RSA_2048);
        try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd-" + algorithm),
                List.of(key.authorizedKeysLine()))) {
            CommandResult login = new OpenSshClient(dir.resolve("client-" + algorithm), sshd)
                    .run(agent.socketPath(), List.of("-o", "PubkeyAcceptedAlgorithms=" + algorithm), "true");
            assertThat(login.exitCode()).as("%s\nsshd log: %s", login.describe(), sshd.logFile()).isZero();
            assertThat(Files.readString(sshd.logFile())).contains("pkalg " + algorithm);
        }
    }

    @Test
    @Order(4)
    void sha1RsaWithATpmKeyIsRefusedUnlessTheAgentAllowsIt() throws Exception {
        TpmSshKey rsa = keys.get(KeyType.RSA_2048);
        byte[] data = "an old server asks for ssh-rsa".getBytes(StandardCharsets.UTF_8);
        byte[] request = new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(rsa.publicKeyBlob())
                .writeString(data).writeUint32(0).toByteArray();
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            assertThat(client.request(request)).containsExactly(SSH_AGENT_FAILURE);
        }
        try (SshAgentServer lenient = SshAgentServer.start(dir.resolve("agent-sha1/s"), () -> List.of(rsa),
                AgentOptions.builder().allowSha1Rsa(true).build());
                RawAgentClient client = RawAgentClient.connect(lenient.socketPath())) {
            byte[] answer = client.request(request);
            assertThat(answer[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
            SshSignatures.Parsed parsed = SshSignatures.parse(new SshWireReader(answer, 1, answer.length - 1)
                    .readString());
            assertThat(parsed.algorithm()).isEqualTo("ssh-rsa");
            java.security.Signature verifier = java.security.Signature.getInstance("SHA1withRSA");
            verifier.initVerify(rsa.object().publicArea().toPublicKey()); // the TPM's own public area
            verifier.update(data);
            assertThat(verifier.verify(parsed.signature())).isTrue();
        }
    }

    @Test
    @Order(5)
    void eightParallelSignRequestsAllVerify() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<KeyType> types = List.of(KeyType.values());
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                KeyType type = types.get(i % types.size());
                int flags = i % 2 == 0 ? AgentKey.SSH_AGENT_RSA_SHA2_256 : AgentKey.SSH_AGENT_RSA_SHA2_512;
                byte[] data = ("parallel " + i).getBytes(StandardCharsets.UTF_8);
                results.add(pool.submit(() -> verifies(keys.get(type), data, flags)));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get(120, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One raw sign request, its blob unpacked and verified by the JDK against the advertised key. */
    private boolean verifies(TpmSshKey key, byte[] data, int flags) throws Exception {
        byte[] answer;
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            answer = client.request(new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(key.publicKeyBlob())
                    .writeString(data).writeUint32(flags).toByteArray());
        }
        assertThat(answer[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        byte[] blob = new SshWireReader(answer, 1, answer.length - 1).readString();
        SshSignatures.Parsed parsed = SshSignatures.parse(blob);
        java.security.Signature verifier;
        byte[] signature;
        SshCurve curve = SshCurve.ofKeyType(parsed.algorithm()).orElse(null);
        if (curve != null) {
            verifier = java.security.Signature.getInstance(curve.jcaSignatureAlgorithm());
            signature = SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(curve, blob));
        } else {
            assertThat(parsed.algorithm()).isEqualTo(flags == AgentKey.SSH_AGENT_RSA_SHA2_256 ? "rsa-sha2-256"
                    : "rsa-sha2-512");
            verifier = java.security.Signature.getInstance(
                    flags == AgentKey.SSH_AGENT_RSA_SHA2_256 ? "SHA256withRSA" : "SHA512withRSA");
            signature = parsed.signature();
        }
        verifier.initVerify(SshPublicKeys.parse(key.publicKeyBlob()));
        verifier.update(data);
        return verifier.verify(signature);
    }

    @Test
    @Order(99)
    void noTransientObjectRemainsAfterTheAgentAndKeyRingClose() throws Exception {
        agent.close();
        assertThat(agent.socketPath()).doesNotExist();
        keys.values().forEach(TpmSshKey::close);
        ring.close(); // closes its Tpm connection too
        ring = null;
        // swtpm has no resource manager, so anything left loaded would still be listed on a new connection.
        try (Tpm fresh = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            assertThat(GetCapability.handles(fresh, Handles.TRANSIENT_FIRST)).isEmpty();
        }
    }
}
