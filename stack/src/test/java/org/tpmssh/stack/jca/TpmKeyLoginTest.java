package org.tpmssh.stack.jca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.AgentHostKey;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.KeySelectedSignatures;
import org.tpmssh.sshserver.MinaSshClient;
import org.tpmssh.sshserver.MinaSshServer;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.agent.SshAgentServer;
import org.tpmssh.stack.keys.PinAuth;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * TPM keys in SSH through the JCA provider, on a real swtpm: the MINA client logs in with TPM keys
 * to the real sshd and to MINA SSHD, the real ssh logs in to MINA through our agent, and host keys
 * held in the TPM are checked by real clients against a known_hosts holding the TPM public key.
 * Every signature is accepted or refused by a server or client that is not our code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TpmKeyLoginTest {
    private static final char[] PIN = "1357-login".toCharArray();
    private static final List<String> TYPES = List.of("ecc-p256", "ecc-p384", "ecc-p521", "rsa-2048");

    /** Static so it exists in @BeforeAll, where the per-class servers start. */
    @TempDir
    static Path dir;

    Swtpm swtpm;
    KeyRing ring;
    final Map<String, TpmPrivateKey> keys = new HashMap<>();
    TpmPrivateKey stranger;
    TpmSshKey agentKey;
    OpenSshServer sshd;
    MinaSshServer mina;

    @BeforeAll
    void start() throws Exception {
        TpmProvider.install();
        swtpm = Swtpm.start();
        Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open());
        DictionaryAttack.relaxForOwnSimulator(tpm);
        ring = KeyRing.open(tpm);
        byte[] auth = PinAuth.authValue(PIN);
        try {
            for (String type : TYPES) {
                keys.put(type, JcaTestKeys.create(ring, type, auth));
            }
            stranger = JcaTestKeys.create(ring, "ecc-p256", auth);
        } finally {
            Arrays.fill(auth, (byte) 0);
        }
        agentKey = TpmSshKeys.create(ring, TpmSshKeys.KeyType.ECC_P256, PIN, "agent-tpm-key");
        List<String> lines = new ArrayList<>();
        for (String type : TYPES) {
            lines.add(PublicKeyEntry.toString(keys.get(type).publicKey()) + " " + type);
        }
        lines.add(agentKey.authorizedKeysLine());
        sshd = OpenSshServer.start(dir.resolve("sshd"), lines);
        mina = MinaSshServer.start(dir.resolve("mina"), lines);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {mina, sshd}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // close() of both servers is idempotent and reaps; nothing else to do
            }
        }
        keys.values().forEach(TpmPrivateKey::destroy);
        if (stranger != null) {
            stranger.destroy();
        }
        if (agentKey != null) {
            agentKey.close();
        }
        if (ring != null) {
            ring.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
        Security.removeProvider(TpmProvider.NAME);
    }

    private SshServerUnderTest server(String name) {
        return "openssh".equals(name) ? sshd : mina;
    }

    private Path knownHosts(SshServerUnderTest server, String name) throws Exception {
        Path file = dir.resolve("known_hosts-" + name);
        Files.writeString(file, server.knownHostsLine() + "\n");
        return file;
    }

    private static KeyPair pair(TpmPrivateKey key) {
        return new KeyPair(key.publicKey(), key);
    }

    @ParameterizedTest(name = "[{0} | {1}]")
    @CsvSource({"openssh, ecc-p256", "openssh, ecc-p384", "openssh, ecc-p521",
        "mina, ecc-p256", "mina, ecc-p384", "mina, ecc-p521"})
    void minaClientLogsInWithAnEcdsaTpmKey(String serverName, String type) throws Exception {
        SshServerUnderTest server = server(serverName);
        long logBefore = serverName.equals("openssh") ? Files.size(sshd.logFile()) : 0;
        try (MinaSshClient client = MinaSshClient.builder().identity(pair(keys.get(type)))
                .knownHosts(knownHosts(server, serverName)).start()) {
            CommandResult r = client.run(server, "echo tpm-" + type);
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).isEqualTo("tpm-" + type + "\n");
        }
        if (serverName.equals("openssh")) {
            assertThat(newLog(logBefore)).contains("Accepted publickey for " + System.getProperty("user.name"))
                    .contains("ECDSA SHA256:");
        }
    }

    @ParameterizedTest(name = "[{0} | rsa-2048 | {1}]")
    @CsvSource({"openssh, rsa-sha2-256", "openssh, rsa-sha2-512", "mina, rsa-sha2-256", "mina, rsa-sha2-512"})
    void minaClientLogsInWithAnRsaTpmKeyUsingTheChosenAlgorithm(String serverName, String algorithm)
            throws Exception {
        SshServerUnderTest server = server(serverName);
        long logBefore = serverName.equals("openssh") ? Files.size(sshd.logFile()) : 0;
        // The other rsa-sha2 variant is left out, so this one must be negotiated; the host key
        // algorithms of both servers stay available.
        List<String> algorithms = List.of(algorithm, "ssh-ed25519", "ecdsa-sha2-nistp256");
        try (MinaSshClient client = MinaSshClient.builder().identity(pair(keys.get("rsa-2048")))
                .signatureAlgorithms(algorithms).knownHosts(knownHosts(server, serverName)).start()) {
            CommandResult r = client.run(server, "true");
            assertThat(r.exitCode()).as(r.describe()).isZero();
        }
        if (serverName.equals("openssh")) {
            assertThat(newLog(logBefore)).contains("Accepted publickey for " + System.getProperty("user.name"))
                    .contains("pkalg " + algorithm);
        }
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"openssh", "mina"})
    void aTpmKeyNotInAuthorizedKeysIsRefused(String serverName) throws Exception {
        SshServerUnderTest server = server(serverName);
        try (MinaSshClient client = MinaSshClient.builder().identity(pair(stranger))
                .knownHosts(knownHosts(server, serverName)).start()) {
            CommandResult r = client.run(server, "true");
            assertThat(r.exitCode()).as(r.describe()).isEqualTo(MinaSshClient.LOGIN_FAILED);
            assertThat(r.stderr()).containsIgnoringCase("auth");
        }
    }

    @Test
    void realSshLogsInToMinaThroughOurAgentHoldingATpmKey() throws Exception {
        try (SshAgentServer agent = SshAgentServer.start(dir.resolve("agent/a.sock"), () -> List.of(agentKey))) {
            CommandResult r = new OpenSshClient(dir.resolve("ssh-to-mina"), mina).run(agent.socketPath(), "echo",
                    "agent-to-mina");
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).isEqualTo("agent-to-mina\n");
        }
    }

    @ParameterizedTest(name = "[mina | host key {0}]")
    @ValueSource(strings = {"ecc-p256", "rsa-2048"})
    void minaHostKeyFromTheTpmIsAcceptedByRealSshAndRefusedUnderAnotherKnownHosts(String type) throws Exception {
        byte[] auth = PinAuth.authValue(PIN);
        TpmPrivateKey hostKey = JcaTestKeys.create(ring, type, auth);
        Arrays.fill(auth, (byte) 0);
        String hostLine = PublicKeyEntry.toString(hostKey.publicKey());
        try (MinaSshServer tpmHosted = MinaSshServer.start(dir.resolve("mina-tpm-host-" + type),
                List.of(agentKey.authorizedKeysLine(), PublicKeyEntry.toString(keys.get("ecc-p384").publicKey())),
                KeyPairProvider.wrap(pair(hostKey)));
                SshAgentServer agent = SshAgentServer.start(dir.resolve("agent/h-" + type + ".sock"),
                        () -> List.of(agentKey))) {
            assertThat(tpmHosted.hostPublicKeyLine()).isEqualTo(hostLine);
            String hostPattern = "[127.0.0.1]:" + tpmHosted.port() + " ";

            OpenSshClient trusting = new OpenSshClient(dir.resolve("trusting-" + type), tpmHosted,
                    List.of(hostPattern + hostLine), Duration.ofSeconds(30));
            CommandResult ok = trusting.run(agent.socketPath(), "true");
            assertThat(ok.exitCode()).as(ok.describe()).isZero();

            String otherLine = PublicKeyEntry.toString(keys.get("ecc-p256").publicKey());
            OpenSshClient other = new OpenSshClient(dir.resolve("other-" + type), tpmHosted,
                    List.of(hostPattern + otherLine), Duration.ofSeconds(30));
            CommandResult refused = other.run(agent.socketPath(), "true");
            assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(255);
            assertThat(refused.stderr()).contains("REMOTE HOST IDENTIFICATION HAS CHANGED");

            // Both ends in the TPM: MINA client with a TPM user key, trusting only the TPM host key.
            try (MinaSshClient client = MinaSshClient.builder().identity(pair(keys.get("ecc-p384")))
                    .trustedHostKey(hostKey.publicKey()).start()) {
                CommandResult both = client.run(tpmHosted, "true");
                assertThat(both.exitCode()).as(both.describe()).isZero();
            }
        } finally {
            hostKey.destroy();
        }
    }

    @ParameterizedTest(name = "[openssh | host key {0}]")
    @ValueSource(strings = {"ECC_P256", "RSA_2048"})
    void sshdHostKeyHeldByOurAgentInTheTpmIsAcceptedByRealSshAndRefusedUnderAnotherKnownHosts(String type)
            throws Exception {
        try (TpmSshKey hostKey = TpmSshKeys.create(ring, TpmSshKeys.KeyType.valueOf(type), PIN, "tpm-host-key");
                SshAgentServer hostAgent = SshAgentServer.start(dir.resolve("hostagent-" + type + "/h.sock"),
                        () -> List.of(hostKey));
                SshAgentServer userAgent = SshAgentServer.start(dir.resolve("useragent-" + type + "/u.sock"),
                        () -> List.of(agentKey));
                OpenSshServer tpmHosted = OpenSshServer.start(dir.resolve("sshd-tpm-host-" + type),
                        List.of(agentKey.authorizedKeysLine(),
                                PublicKeyEntry.toString(keys.get("ecc-p256").publicKey())),
                        new AgentHostKey(hostKey.authorizedKeysLine(), hostAgent.socketPath()))) {
            String hostLine = tpmHosted.hostPublicKeyLine();
            assertThat(hostKey.authorizedKeysLine()).startsWith(hostLine);
            String hostPattern = "[127.0.0.1]:" + tpmHosted.port() + " ";

            OpenSshClient trusting = new OpenSshClient(dir.resolve("sshd-trusting-" + type), tpmHosted,
                    List.of(hostPattern + hostLine), Duration.ofSeconds(30));
            CommandResult ok = trusting.run(userAgent.socketPath(), "true");
            assertThat(ok.exitCode()).as("%s\nsshd log %s", ok.describe(), tpmHosted.logFile()).isZero();

            OpenSshClient other = new OpenSshClient(dir.resolve("sshd-other-" + type), tpmHosted,
                    List.of(hostPattern + agentKey.authorizedKeysLine()), Duration.ofSeconds(30));
            CommandResult refused = other.run(userAgent.socketPath(), "true");
            assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(255);
            assertThat(refused.stderr()).contains("REMOTE HOST IDENTIFICATION HAS CHANGED");

            try (MinaSshClient client = MinaSshClient.builder().identity(pair(keys.get("ecc-p256")))
                    .trustedHostKey(keys.get("ecc-p256").publicKey()).start()) {
                assertThat(client.run(tpmHosted, "true").exitCode()).isEqualTo(MinaSshClient.LOGIN_FAILED);
            }
            Path knownHosts = dir.resolve("mina-known-hosts-" + type);
            Files.writeString(knownHosts, hostPattern + hostLine + "\n");
            try (MinaSshClient client = MinaSshClient.builder().identity(pair(keys.get("ecc-p256")))
                    .knownHosts(knownHosts).start()) {
                CommandResult r = client.run(tpmHosted, "true");
                assertThat(r.exitCode()).as(r.describe()).isZero();
            }
        }
    }

    @Test
    void minaClientLogsInWithIdentitiesReadFromTheTpmKeyStore() throws Exception {
        KeyStore ks = KeyStore.getInstance(TpmProvider.KEYSTORE_TYPE);
        ks.load(new TpmKeyStoreParameter(() -> List.of(TpmKeyEntry.of("stranger", stranger),
                TpmKeyEntry.of("p521", keys.get("ecc-p521")))));
        // A KeyIdentityProvider as MINA users write them: every key entry, its certificate's public key.
        KeyIdentityProvider fromKeyStore = session -> {
            List<KeyPair> pairs = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                pairs.add(new KeyPair(ks.getCertificate(alias).getPublicKey(), (PrivateKey) ks.getKey(alias, null)));
            }
            return pairs;
        };
        try (MinaSshClient client = MinaSshClient.builder().identities(fromKeyStore)
                .knownHosts(knownHosts(mina, "mina")).start()) {
            CommandResult r = client.run(mina, "echo from-keystore");
            assertThat(r.exitCode()).as(r.describe()).isZero();
            assertThat(r.stdout()).isEqualTo("from-keystore\n");
        }
    }

    @Test
    void minaAloneCannotSignWithATpmKeyButKeySelectedSignaturesCan() throws Exception {
        TpmPrivateKey key = keys.get("ecc-p256");
        byte[] data = "exchange hash".getBytes(StandardCharsets.UTF_8);
        // MINA's stock signer asks its registered provider (BouncyCastle here) by name; BC cannot use a TPM key.
        Signature stock = BuiltinSignatures.nistp256
                .create();
        assertThatThrownBy(() -> stock.initSigner(null, key))
                .isInstanceOf(InvalidKeyException.class);

        Signature routed = KeySelectedSignatures
                .wrap(BuiltinSignatures.nistp256).create();
        routed.initSigner(null, key);
        routed.update(null, data);
        byte[] sig = routed.sign(null);
        // Verified by MINA's stock verifier (BC or SunEC), not by us.
        Signature verifier = BuiltinSignatures
                .nistp256.create();
        verifier.initVerifier(null, key.publicKey());
        verifier.update(null, data);
        assertThat(verifier.verify(null, sig)).isTrue();
        verifier.initVerifier(null, stranger.publicKey());
        verifier.update(null, data);
        assertThat(verifier.verify(null, sig)).isFalse();
    }

    private String newLog(long from) throws Exception {
        byte[] all = Files.readAllBytes(sshd.logFile());
        return new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8);
    }
}
