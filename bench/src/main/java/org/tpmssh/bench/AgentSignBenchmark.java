package org.tpmssh.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import java.util.Map;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.agent.AgentOptions;
import org.tpmssh.stack.agent.SshAgentServer;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.tpm.commands.Sign;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.transport.TpmTransport;

/**
 * What an ssh client waits for: a sign request over our agent's socket until the reply, for PIN
 * and PIN-less token keys, beside a raw TPM2_Sign (bench/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AgentSignBenchmark {
    private static final int SSH_AGENTC_SIGN_REQUEST = 13;
    private static final int SSH_AGENT_SIGN_RESPONSE = 14;
    private static final int SSH_AGENT_RSA_SHA2_512 = 4;

    @Param({"ecc-p256", "rsa-2048"})
    public String keyType;

    @Param({"pin", "pinless"})
    public String token;

    private BenchTpm tpm;
    private TpmTransport transport;
    private KeyRing ring;
    private TpmSshKey key;
    private Path dir;
    private SshAgentServer agent;
    private SocketChannel client;
    private byte[] request;
    private ByteBuffer reply;
    private byte[] rawSign;

    @Setup
    public void setup() throws Exception {
        try {
            tpm = BenchTpm.start();
            transport = tpm.transport;
            ring = tpm.ring;
            KeyType type = keyType.equals("ecc-p256") ? KeyType.ECC_P256 : KeyType.RSA_2048;
            dir = Files.createTempDirectory("tpmssh-bench");
            Tokens tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
            char[] pin = "bench-pin-2718".toCharArray();
            Path pinFile = Files.createFile(dir.resolve("pin"), java.nio.file.attribute.PosixFilePermissions
                    .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(pinFile, new String(pin) + "\n"); // 0600: a PIN file others can read is refused
            boolean pinless = token.equals("pinless");
            tokens.init("bench", pinless ? null : pin.clone(), pinless ? null : "bench-so".toCharArray());
            byte[] secret = pinless ? null : tokens.loginUser("bench", pin.clone());
            tokens.createKey("bench", type, "k", false, "bench", secret);
            List<AgentKey> keys = TokenKeys.agentKeys(tokens, "bench");
            Path socket = dir.resolve("agent.sock");
            agent = SshAgentServer.start(socket, () -> keys,
                    AgentOptions.builder().pinFile(pinFile).environment(Map.of()).build());
            key = TpmSshKeys.create(ring, type, new char[0], "baseline");
            client = SocketChannel.open(StandardProtocolFamily.UNIX);
            client.connect(UnixDomainSocketAddress.of(socket));
            byte[] data = "a session identifier and a userauth request, about this long: 0123456789abcdef"
                    .getBytes(StandardCharsets.UTF_8);
            int flags = type == KeyType.RSA_2048 ? SSH_AGENT_RSA_SHA2_512 : 0;
            request = signRequest(keys.get(0).publicKeyBlob(), data, flags);
            reply = ByteBuffer.allocate(4096);
            if (agentSign() != SSH_AGENT_SIGN_RESPONSE) {
                throw new IllegalStateException("the agent did not sign");
            }
            // After the agent's first sign (which unsealed the token secret once), SRK + the agent's key +
            // the baseline key fill swtpm's 3 slots and nothing evicts, so the raw handle stays valid.
            int handle = ring.cache().use(key.object(), h -> h);
            if (agentSign() != SSH_AGENT_SIGN_RESPONSE) {
                throw new IllegalStateException("the agent did not sign beside the baseline key");
            }
            int scheme = type == KeyType.RSA_2048 ? Alg.RSASSA : Alg.ECDSA;
            int hash = type == KeyType.RSA_2048 ? Alg.SHA512 : Alg.SHA256;
            rawSign = BenchTpm.rawSignCommand(handle, new Sign(null, Alg.hash(hash, data), scheme, hash).params());
            checkRaw();
        } catch (Exception | Error e) {
            tearDown();
            throw e;
        }
    }

    private static byte[] signRequest(byte[] blob, byte[] data, int flags) {
        ByteBuffer b = ByteBuffer.allocate(4 + 1 + 4 + blob.length + 4 + data.length + 4);
        b.putInt(b.capacity() - 4).put((byte) SSH_AGENTC_SIGN_REQUEST);
        b.putInt(blob.length).put(blob).putInt(data.length).put(data).putInt(flags);
        return b.array();
    }

    private void checkRaw() throws Exception {
        tpm.transmitChecked(rawSign);
    }

    /** One request and its whole reply; returns the reply's message type. */
    @Benchmark
    public int agentSign() throws IOException {
        ByteBuffer out = ByteBuffer.wrap(request);
        while (out.hasRemaining()) {
            client.write(out);
        }
        reply.clear().limit(4);
        readFully();
        int length = reply.getInt(0);
        reply.clear().limit(length);
        readFully();
        return reply.get(0);
    }

    private void readFully() throws IOException {
        while (reply.hasRemaining()) {
            if (client.read(reply) < 0) {
                throw new IOException("the agent closed the connection");
            }
        }
    }

    @Benchmark
    public byte[] rawTransmit() throws Exception {
        return transport.transmit(rawSign);
    }

    @TearDown
    public void tearDown() throws Exception {
        try {
            if (client != null) {
                client.close();
            }
            if (agent != null) {
                agent.close();
            }
            if (key != null) {
                key.close();
            }
        } finally {
            if (tpm != null) {
                tpm.close();
            }
            if (dir != null) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
