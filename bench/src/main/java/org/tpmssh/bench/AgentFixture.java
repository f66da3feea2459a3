package org.tpmssh.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.agent.AgentOptions;
import org.tpmssh.stack.agent.SshAgentServer;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.commands.Sign;
import org.tpmssh.tpm.structures.Alg;

/**
 * Our agent serving one ECDSA P-256 key of a PIN token (PIN from a file) or of a PIN-less token on a swtpm of its
 * own, beside a PIN-less key loaded for the raw TPM2_Sign baseline: what the load and soak recorders drive through
 * the agent's socket.
 */
final class AgentFixture implements AutoCloseable {
    static final byte[] DATA = "a session identifier and a userauth request, about this long: 0123456789abcdef"
            .getBytes(StandardCharsets.UTF_8);
    private static final int SSH_AGENTC_SIGN_REQUEST = 13;
    static final int SSH_AGENT_SIGN_RESPONSE = 14;

    final BenchTpm tpm;
    final Path dir;
    final SshAgentServer agent;
    final byte[] blob;
    final PublicKey publicKey;
    final TpmSshKey baseline;
    final byte[] rawSign;

    private AgentFixture(BenchTpm tpm, Path dir, SshAgentServer agent, byte[] blob, TpmSshKey baseline,
            byte[] rawSign) throws Exception {
        this.tpm = tpm;
        this.dir = dir;
        this.agent = agent;
        this.blob = blob;
        this.publicKey = SshPublicKeys.parse(blob);
        this.baseline = baseline;
        this.rawSign = rawSign;
    }

    static AgentFixture start(boolean pinless) throws Exception {
        BenchTpm tpm = BenchTpm.start(Swtpm.builder().unixSocket(true).start());
        Path dir = Files.createTempDirectory("tpmssh-agent-load");
        SshAgentServer agent = null;
        TpmSshKey baseline = null;
        try {
            Tokens tokens = new Tokens(TokenStore.open(dir.resolve("store")), tpm.ring, ParentKind.ECC);
            char[] pin = "load-pin-1618".toCharArray();
            Path pinFile = Files.createFile(dir.resolve("pin"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(pinFile, new String(pin) + "\n");
            tokens.init("load", pinless ? null : pin.clone(), pinless ? null : "load-so".toCharArray());
            byte[] secret = pinless ? null : tokens.loginUser("load", pin.clone());
            tokens.createKey("load", KeyType.ECC_P256, "k", false, "load", secret);
            List<AgentKey> keys = TokenKeys.agentKeys(tokens, "load");
            agent = SshAgentServer.start(dir.resolve("agent.sock"), () -> keys,
                    AgentOptions.builder().pinFile(pinFile).environment(Map.of()).build());
            baseline = TpmSshKeys.create(tpm.ring, KeyType.ECC_P256, new char[0], "baseline");
            byte[] blob = keys.get(0).publicKeyBlob();
            AgentFixture f = new AgentFixture(tpm, dir, agent, blob, baseline, null);
            try (Client c = f.client()) {
                f.verifies(c.sign(DATA), DATA); // unseals the token secret once, as a first login does
            }
            // SRK + the agent's key + the baseline key fill swtpm's 3 slots; nothing evicts, so the handle stays.
            int handle = tpm.ring.cache().use(baseline.object(), h -> h);
            byte[] raw = BenchTpm.rawSignCommand(handle, new Sign(null, Alg.hash(Alg.SHA256, DATA), Alg.ECDSA,
                    Alg.SHA256).params());
            return new AgentFixture(tpm, dir, agent, blob, baseline, raw);
        } catch (Exception | Error e) {
            if (agent != null) {
                agent.close();
            }
            if (baseline != null) {
                baseline.close();
            }
            tpm.close();
            delete(dir);
            throw e;
        }
    }

    /** One raw TPM2_Sign with the baseline key, checked for TPM_RC_SUCCESS. */
    void rawSign() throws Exception {
        tpm.transmitChecked(rawSign);
    }

    Client client() throws IOException {
        return new Client(agent.socketPath(), blob);
    }

    /** Whether the JDK accepts {@code signature} (an SSH signature blob) over {@code data}. */
    boolean verifies(byte[] signature, byte[] data) throws Exception {
        return SshSignatureAlgorithm.forRequest(blob, 0).verify(publicKey, data, signature);
    }

    /** One agent connection that sends sign requests for the fixture's key. */
    static final class Client implements AutoCloseable {
        private final SocketChannel channel;
        private final byte[] blob;
        private final ByteBuffer reply = ByteBuffer.allocate(4096);

        Client(Path socket, byte[] blob) throws IOException {
            this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            this.blob = blob;
        }

        /** Sends a sign request and returns the signature blob; an IOException when the agent refused. */
        byte[] sign(byte[] data) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(4 + 1 + 4 + blob.length + 4 + data.length + 4);
            b.putInt(b.capacity() - 4).put((byte) SSH_AGENTC_SIGN_REQUEST);
            b.putInt(blob.length).put(blob).putInt(data.length).put(data).putInt(0).flip();
            while (b.hasRemaining()) {
                channel.write(b);
            }
            reply.clear().limit(4);
            readFully();
            int length = reply.getInt(0);
            if (length < 1 || length > reply.capacity()) {
                throw new IOException("the agent sent a frame of " + length + " bytes");
            }
            reply.clear().limit(length);
            readFully();
            if (reply.get(0) != SSH_AGENT_SIGN_RESPONSE) {
                throw new IOException("the agent refused the sign request (message " + reply.get(0) + ")");
            }
            int n = reply.getInt(1);
            byte[] signature = new byte[n];
            reply.position(5);
            reply.get(signature);
            return signature;
        }

        private void readFully() throws IOException {
            while (reply.hasRemaining()) {
                if (channel.read(reply) < 0) {
                    throw new IOException("the agent closed the connection");
                }
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            agent.close();
            baseline.close();
        } finally {
            tpm.close();
            delete(dir);
        }
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
