package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_SIGN_REQUEST;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_FAILURE;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_SIGN_RESPONSE;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.pinentry.PinSource;
import org.tpmssh.stack.pinentry.PinSources;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.PinProtectedKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * Where the agent finds PINs: askpass, PIN file, TPMSSH_PIN, and the cache. The PIN-protected key
 * here is a software key that checks a PIN itself (it fakes the TPM's authValue check only);
 * the TPM path is in {@link AgentTpmTest}.
 */
class AgentPinTest {

    private static final String PIN = "4711-pin-marker";

    @TempDir
    Path dir;

    private final AgentLogCapture log = new AgentLogCapture();
    private SshAgentServer agent;

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        assertThat(String.join("\n", log.messages())).doesNotContain(PIN).doesNotContain("wrong-pin-marker");
        assertThat(log.anyWithStackTrace()).isFalse();
        log.close();
    }

    /** Fakes a token key: signs only with the right PIN, counts attempts, can go into lockout. */
    static final class PinKey implements PinProtectedKey {
        final SoftwareAgentKey real;
        volatile String pin = PIN;
        volatile boolean lockedOut;
        final AtomicInteger attempts = new AtomicInteger();
        volatile char[] lastPinSeen;

        PinKey(SoftwareAgentKey real) {
            this.real = real;
        }

        @Override
        public String pinScope() {
            return "token 'work'";
        }

        @Override
        public byte[] publicKeyBlob() {
            return real.publicKeyBlob();
        }

        @Override
        public String comment() {
            return "work key";
        }

        @Override
        public byte[] sign(byte[] data, int flags, char[] given)
                throws AgentSignException, PinIncorrectException, PinLockedException {
            attempts.incrementAndGet();
            lastPinSeen = given;
            if (lockedOut) {
                throw new PinLockedException("the TPM is in lockout");
            }
            if (!Arrays.equals(given, pin.toCharArray())) {
                throw new PinIncorrectException("the TPM refused the PIN for key \"work key\"");
            }
            return real.sign(data, flags);
        }
    }

    private PinKey key() throws Exception {
        return new PinKey(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "work key"));
    }

    private byte[] sign(PinKey key) throws Exception {
        try (RawAgentClient client = RawAgentClient.connect(agent.socketPath())) {
            return client.request(new SshWireWriter().writeByte(SSH_AGENTC_SIGN_REQUEST).writeString(key.publicKeyBlob())
                    .writeString(new byte[] {1, 2, 3}).writeUint32(0).toByteArray());
        }
    }

    private void start(PinKey key, AgentOptions options) throws Exception {
        agent = SshAgentServer.start(dir.resolve("a/s"), () -> List.of(key), options);
    }

    @Test
    void tpmsshPinSignsAndThePinArrayIsWipedAfterwards() throws Exception {
        PinKey key = key();
        start(key, AgentOptions.builder().environment(Map.of("TPMSSH_PIN", PIN)).build());
        assertThat(sign(key)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(key.lastPinSeen).containsOnly('\0');
    }

    @Test
    void pinFileSigns() throws Exception {
        PinKey key = key();
        Path file = dir.resolve("pin");
        Files.writeString(file, PIN + "\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        start(key, AgentOptions.builder().environment(Map.of()).pinFile(file).build());
        assertThat(sign(key)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
    }

    @Test
    void askpassComesFirstAndSeesThePrompt() throws Exception {
        PinKey key = key();
        Path askpass = dir.resolve("askpass");
        Files.writeString(askpass, "#!/bin/sh\necho \"$1\" > " + dir.resolve("prompt") + "\necho '" + PIN + "'\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        start(key, AgentOptions.builder().environment(Map.of("SSH_ASKPASS", askpass.toString(),
                "SSH_ASKPASS_REQUIRE", "force", "TPMSSH_PIN", "wrong-pin-marker")).build());
        assertThat(sign(key)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(Files.readString(dir.resolve("prompt"))).contains("token 'work'").contains("work key");
    }

    @Test
    void aCachedPinIsReusedAndAWrongOneIsEvicted() throws Exception {
        PinKey key = key();
        AtomicInteger asked = new AtomicInteger();
        PinSource counting = new PinSource() {
            @Override
            public char[] pin(String scope, String prompt) {
                asked.incrementAndGet();
                return PIN.toCharArray();
            }

            @Override
            public String howToProvide() {
                return "test";
            }
        };
        start(key, AgentOptions.builder().pinSources(List.of(counting)).pinCacheLifetime(Duration.ofHours(1)).build());
        assertThat(sign(key)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(sign(key)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(asked).hasValue(1);

        key.pin = "changed-elsewhere";
        assertThat(sign(key)).containsExactly(SSH_AGENT_FAILURE); // the cached PIN is refused and evicted
        assertThat(sign(key)).containsExactly(SSH_AGENT_FAILURE); // so the source is asked again
        assertThat(asked).hasValue(2);
    }

    @Test
    void parallelSignaturesWithAColdCacheAskOnce() throws Exception {
        PinKey key = key();
        AtomicInteger asked = new AtomicInteger();
        start(key, AgentOptions.builder().pinSources(List.of(new PinSource() {
            @Override
            public char[] pin(String scope, String prompt) throws IOException {
                asked.incrementAndGet();
                try {
                    Thread.sleep(200); // a person typing
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                return PIN.toCharArray();
            }

            @Override
            public String howToProvide() {
                return "test";
            }
        })).pinCacheLifetime(Duration.ofMinutes(5)).build());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<byte[]>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> sign(key)));
            }
            for (var result : results) {
                assertThat(result.get(30, java.util.concurrent.TimeUnit.SECONDS)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(asked).hasValue(1);
    }

    @Test
    void withoutCacheLifetimeEverySignatureAsks() throws Exception {
        PinKey key = key();
        AtomicInteger asked = new AtomicInteger();
        start(key, AgentOptions.builder().pinSources(List.of(new PinSource() {
            @Override
            public char[] pin(String scope, String prompt) {
                asked.incrementAndGet();
                return PIN.toCharArray();
            }

            @Override
            public String howToProvide() {
                return "test";
            }
        })).build());
        sign(key);
        sign(key);
        assertThat(asked).hasValue(2);
    }

    @Test
    void noPinSourceFailsAndSaysOnceHowToProvideOne() throws Exception {
        PinKey key = key();
        start(key, AgentOptions.builder().environment(Map.of()).build());
        assertThat(sign(key)).containsExactly(SSH_AGENT_FAILURE);
        assertThat(sign(key)).containsExactly(SSH_AGENT_FAILURE);
        assertThat(key.attempts).hasValue(0); // no PIN was guessed
        List<String> advice = log.messages().stream().filter(m -> m.contains("needs the PIN of token 'work'")
                && m.contains("SSH_ASKPASS") && m.contains("--pin-file") && m.contains("TPMSSH_PIN")
                && m.contains("work key")).toList();
        assertThat(advice).hasSize(1);
    }

    @Test
    void lockoutFailsWithoutCachingAnything() throws Exception {
        PinKey key = key();
        key.lockedOut = true;
        start(key, AgentOptions.builder().environment(Map.of("TPMSSH_PIN", PIN))
                .pinCacheLifetime(Duration.ofHours(1)).build());
        assertThat(sign(key)).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.messages()).anyMatch(m -> m.contains("lockout"));
    }

    @Test
    void aFailingPinSourceIsLoggedAndTheNextOneAsked() throws Exception {
        PinKey key = key();
        PinSource broken = new PinSource() {
            @Override
            public char[] pin(String scope, String prompt) throws IOException {
                throw new IOException("cannot read the PIN file /nonexistent");
            }

            @Override
            public String howToProvide() {
                return "x";
            }
        };
        start(key, AgentOptions.builder().pinSources(List.of(broken, PinSources.environment(Map.of("TPMSSH_PIN", PIN))))
                .build());
        assertThat(sign(key)[0]).isEqualTo((byte) SSH_AGENT_SIGN_RESPONSE);
        assertThat(log.messages()).anyMatch(m -> m.contains("/nonexistent"));
    }
}
