package org.tpmssh.harness.stacks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.tpmssh.axes.BuiltInStack;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Combination;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.harness.latency.LatencySink;
import org.tpmssh.harness.wire.WireScan;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.agent.AgentOptions;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.PinProtectedKey;
import org.tpmssh.stack.agent.SshAgentServer;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.jca.TpmPrivateKey;
import org.tpmssh.stack.jca.TpmProvider;
import org.tpmssh.stack.keys.PassphraseSource;
import org.tpmssh.stack.keys.PinAuth;
import org.tpmssh.stack.keys.PrivateKeyFiles;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.p11kit.P11KitClientModule;
import org.tpmssh.stack.p11kit.P11KitOptions;
import org.tpmssh.stack.p11kit.P11KitServer;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.transport.Tcti;

/**
 * Our Java stack as users run it: per backend a token store under the H-2 parent, served by the real agent with the
 * PIN in a 0600 PIN file, each sign timed; for the {@code ssh-pkcs11} client, served to p11-kit-client.so by the
 * p11-kit server.
 */
public final class JavaStack implements StackAdapter {
    public static final String NAME = BuiltInStack.JAVA.label();
    /** Makes key labels unique within a token, which the store requires. */
    private static final AtomicLong LABELS = new AtomicLong();

    private final String combination;

    /** @param combination the report key timings are recorded under */
    public JavaStack(String combination) {
        this.combination = combination;
    }

    @Override
    public String name() {
        return NAME;
    }

    /** {@code ssh-pkcs11} needs p11-kit-client.so, the module through which C programs reach our p11-kit server. */
    @Override
    public Optional<String> unavailable(Combination combination) {
        return combination.client() == Client.SSH_PKCS11 && P11KitClientModule.find().isEmpty()
                ? Optional.of(P11KitClientModule.missing())
                : Optional.empty();
    }

    /** The backend's token store and its two tokens, made on first use and kept while the backend runs. */
    public static Tokens tokens(TpmBackend backend) throws Exception {
        return backend.shared("java-stack-tokens", () -> {
            TokenStore store = TokenStore.open(backend.stackDir().resolve(NAME));
            Tokens tokens = new Tokens(store, backend.ring(), ParentKind.ECC);
            if (store.token(PIN_TOKEN).isEmpty()) {
                char[] pin = PIN.toCharArray();
                char[] so = SO_PIN.toCharArray();
                try {
                    tokens.init(PIN_TOKEN, pin, so);
                } finally {
                    Secrets.wipe(pin);
                    Secrets.wipe(so);
                }
            }
            if (store.token(PINLESS_TOKEN).isEmpty()) {
                tokens.init(PINLESS_TOKEN, null, null);
            }
            return tokens;
        });
    }

    /**
     * The backend's p11-kit server over its token store (every token, as {@code tpmssh pkcs11-server} serves them
     * without {@code --token}), started on first use in the backend's stack dir and closed with the backend, before
     * its ring is flushed.
     */
    public static P11KitServer p11KitServer(TpmBackend backend) throws Exception {
        Tokens tokens = tokens(backend);
        return backend.shared("java-stack-p11kit", () -> P11KitServer.start(
                backend.stackDir().resolve("p11kit").resolve("p11.sock"), tokens, ParentKind.ECC,
                P11KitOptions.defaults()));
    }

    private static String label(String comment) {
        return comment + "-" + LABELS.incrementAndGet();
    }

    /**
     * The PINs, the authValues the PIN token's seals derive from them, the token secret those seals hold, and the
     * authValue of every key in the PIN token (docs/SECURITY.md says how each is derived).
     */
    @Override
    public List<WireScan.Secret> wireSecrets(TpmBackend backend) throws Exception {
        Tokens tokens = tokens(backend);
        TokenRecord token = tokens.store().requireToken(PIN_TOKEN);
        char[] pin = PIN.toCharArray();
        char[] so = SO_PIN.toCharArray();
        byte[] secret = login(tokens);
        try {
            List<WireScan.Secret> out = new ArrayList<>(StackAdapter.super.wireSecrets(backend));
            out.add(new WireScan.Secret("user PIN authValue", PinAuth.authValue(pin, token.salt())));
            out.add(new WireScan.Secret("SO PIN authValue", PinAuth.authValue(so, token.salt())));
            out.add(new WireScan.Secret("token secret", secret));
            for (KeyRecord k : tokens.store().keys(PIN_TOKEN)) {
                out.add(new WireScan.Secret("authValue of key " + k.label(), Tokens.keyAuth(secret, k.id())));
            }
            return out;
        } finally {
            Secrets.wipe(pin);
            Secrets.wipe(so);
            Secrets.wipe(secret);
        }
    }

    @Override
    public Key createKey(TpmBackend backend, KeyType type, boolean pinless, String comment) throws Exception {
        Tokens tokens = tokens(backend);
        String token = pinless ? PINLESS_TOKEN : PIN_TOKEN;
        byte[] secret = pinless ? null : login(tokens);
        try {
            KeyRecord record = tokens.createKey(token, type, label(comment), pinless, comment, secret);
            return new JavaKey(backend, tokens, token, record, combination);
        } finally {
            Secrets.wipe(secret);
        }
    }

    @Override
    public Key importKey(TpmBackend backend, Path privateKeyFile, boolean pinless, String comment) throws Exception {
        Tokens tokens = tokens(backend);
        String token = pinless ? PINLESS_TOKEN : PIN_TOKEN;
        KeyPair pair = PrivateKeyFiles.read(privateKeyFile, PassphraseSource.none());
        byte[] secret = pinless ? null : login(tokens);
        try {
            KeyRecord record = TokenKeys.importKey(tokens, token, label(comment), pair, pinless, comment, secret);
            return new JavaKey(backend, tokens, token, record, combination);
        } finally {
            Secrets.wipe(secret);
        }
    }

    @Override
    public Key loadKey(TpmBackend backend, Stored stored) throws Exception {
        Tokens tokens = tokens(backend);
        KeyRecord record = tokens.store().keyByLabel(stored.token(), stored.label()).orElseThrow(() ->
                new StoreException("token '" + stored.token() + "' has no key labelled '" + stored.label() + "'"));
        return new JavaKey(backend, tokens, stored.token(), record, combination);
    }

    private static byte[] login(Tokens tokens) throws Exception {
        char[] pin = PIN.toCharArray();
        try {
            return tokens.loginUser(PIN_TOKEN, pin);
        } finally {
            Secrets.wipe(pin);
        }
    }

    /**
     * For {@link Client#SSH_PKCS11}: p11-kit-client.so on the backend's {@link #p11KitServer}, used by {@code ssh -I}
     * and by {@code ssh-add -s} into OpenSSH's ssh-agent; for every other client our agent.
     */
    @Override
    public Agent startAgent(Client client, Path socket, List<? extends Key> keys, char[] pin) throws Exception {
        if (client != Client.SSH_PKCS11) {
            return startAgent(socket, keys, pin);
        }
        TpmBackend backend = null;
        for (Key k : keys) {
            if (!(k instanceof JavaKey key) || (backend != null && key.backend != backend)) {
                throw new IllegalArgumentException("the java stack's PKCS#11 module serves only its own keys of one"
                        + " backend");
            }
            backend = key.backend;
        }
        if (backend == null) {
            throw new IllegalArgumentException("an ssh-pkcs11 login needs at least one key");
        }
        Path module = P11KitClientModule.find().orElseThrow(() -> new IllegalStateException(
                P11KitClientModule.missing()));
        return new Pkcs11ModuleAgent(module, p11KitServer(backend).environment(), socket, keys, pin);
    }

    /** {@code ssh -I p11-kit-client.so} for {@link Client#SSH_PKCS11}; every other client uses the agent. */
    @Override
    public Optional<CommandResult> login(Client client, SshServerUnderTest server, Agent agent, String algorithm,
            List<String> knownHostsLines, Path dir) throws Exception {
        return client == Client.SSH_PKCS11 && agent instanceof Pkcs11ModuleAgent module
                ? Optional.of(module.login(server, algorithm, knownHostsLines, dir))
                : Optional.empty();
    }

    @Override
    public Agent startAgent(Path socket, List<? extends Key> keys, char[] pin) throws Exception {
        List<AgentKey> agentKeys = new ArrayList<>();
        for (Key k : keys) {
            if (!(k instanceof AgentBacked backed)) {
                throw new IllegalArgumentException("the java stack's agent cannot serve " + k.getClass().getName());
            }
            agentKeys.add(backed.agentKey());
        }
        return serve(socket, agentKeys, pin);
    }

    /** The token store and its tokens exist, and the backend's shared ring holds no TPM slot. */
    @Override
    public void settle(TpmBackend backend) throws Exception {
        tokens(backend);
        backend.ring().cache().evictAll();
    }

    /**
     * The agent as {@code tpmssh agent} runs it: its own TPM connection, storage key and session, and the keys as
     * {@link TokenKeys#agentKeys} finds them in the store. It needs a backend that serves a second connection (the
     * wire proxy's); on others it is {@link #startAgent}. The harness's own ring gives up its object slots first,
     * as swtpm has three. Closing the agent flushes what it loaded and closes its connection.
     */
    @Override
    public Agent startStandaloneAgent(TpmBackend backend, Path socket, List<? extends Key> keys, char[] pin)
            throws Exception {
        if (backend.wire().isEmpty()) {
            return startAgent(socket, keys, pin);
        }
        settle(backend);
        KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(backend.tcti()).open()), ParentKind.ECC.template());
        List<AgentKey> offered = new ArrayList<>();
        try {
            Tokens own = new Tokens(TokenStore.open(backend.stackDir().resolve(NAME)), ring, ParentKind.ECC);
            for (Key k : keys) {
                byte[] blob = k.publicKeyBlob();
                offered.add(TokenKeys.agentKeys(own, k.stored().token()).stream()
                        .filter(a -> java.util.Arrays.equals(a.publicKeyBlob(), blob)).findFirst()
                        .orElseThrow(() -> new StoreException("token '" + k.stored().token() + "' does not offer"
                                + " key '" + k.stored().label() + "' to the agent")));
            }
            return serve(socket, offered, pin, () -> {
                closeKeys(offered);
                ring.close();
            });
        } catch (Exception | Error e) {
            closeKeys(offered);
            ring.close();
            throw e;
        }
    }

    /** Agent keys may keep a token secret; closing wipes it, as tpmssh agent does at shutdown. */
    private static void closeKeys(List<AgentKey> keys) {
        for (AgentKey k : keys) {
            if (k instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // nothing secret is left in a key that cannot close
                }
            }
        }
    }

    /** A key the Java agent can serve: what {@link TokenKeys#agentKeys} gives for it (a stack test may wrap it). */
    public interface AgentBacked {
        AgentKey agentKey() throws Exception;
    }

    /**
     * Starts the real agent on {@code socket} for {@code keys}, with {@code pin} (if any) in a 0600 PIN file
     * beside the socket, read for every signature, as {@code tpmssh agent --pin-file} does. No askpass and no
     * TPMSSH_PIN from this JVM's environment: the PIN file is the only PIN source.
     */
    public static Agent serve(Path socket, List<AgentKey> keys, char[] pin) throws Exception {
        return serve(socket, keys, pin, () -> { });
    }

    /** As {@link #serve(Path, List, char[])}, running {@code afterClose} once the agent has stopped. */
    private static Agent serve(Path socket, List<AgentKey> keys, char[] pin, Runnable afterClose) throws Exception {
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.exists(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        }
        AgentOptions.Builder options = AgentOptions.builder().environment(Map.of());
        if (pin != null) {
            Path pinFile = dir.resolve("pin");
            Files.createFile(pinFile, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            byte[] bytes = new String(pin).getBytes(StandardCharsets.UTF_8);
            try {
                Files.write(pinFile, bytes);
            } finally {
                Secrets.wipe(bytes);
            }
            options.pinFile(pinFile);
        }
        List<AgentKey> copy = List.copyOf(keys);
        SshAgentServer server = SshAgentServer.start(socket, () -> copy, options.build());
        return new Agent() {
            @Override
            public Path socketPath() {
                return server.socketPath();
            }

            @Override
            public void close() {
                server.close();
                afterClose.run();
            }
        };
    }

    /** A stored key of one of the backend's tokens. */
    private static final class JavaKey implements Key, AgentBacked {
        private final TpmBackend backend;
        private final Tokens tokens;
        private final String token;
        private final KeyRecord record;
        private final String combination;
        private final byte[] blob;
        private final String line;
        private final List<TpmPrivateKey> jcaKeys = new ArrayList<>();
        private AgentKey agentKey;
        private TpmObject object;

        JavaKey(TpmBackend backend, Tokens tokens, String token, KeyRecord record, String combination)
                throws Exception {
            this.backend = backend;
            this.tokens = tokens;
            this.token = token;
            this.record = record;
            this.combination = combination;
            this.blob = SshPublicKeys.encode(record.tpmPublic().toPublicKey());
            this.line = SshPublicKeys.authorizedKeysLine(blob, record.comment());
        }

        @Override
        public String authorizedKeysLine() {
            return line;
        }

        @Override
        public byte[] publicKeyBlob() {
            return blob.clone();
        }

        /** The identity the real agent offers for this key: found in {@link TokenKeys#agentKeys}, timed. */
        @Override
        public synchronized AgentKey agentKey() throws Exception {
            if (agentKey == null) {
                AgentKey found = TokenKeys.agentKeys(tokens, token).stream()
                        .filter(k -> java.util.Arrays.equals(k.publicKeyBlob(), blob)).findFirst()
                        .orElseThrow(() -> new StoreException("token '" + token + "' does not offer key '"
                                + record.label() + "' to the agent"));
                agentKey = found instanceof PinProtectedKey pk ? new TimedPinKey(pk, combination)
                        : new TimedKey(found, combination);
            }
            return agentKey;
        }

        @Override
        public byte[] sign(byte[] data, int flags, char[] pin) throws Exception {
            AgentKey k = agentKey();
            return k instanceof PinProtectedKey pk ? pk.sign(data, flags, pin) : k.sign(data, flags);
        }

        @Override
        public KeyPair keyPair(char[] pin) throws Exception {
            TpmProvider.install();
            TpmObject object;
            synchronized (this) {
                if (this.object == null) {
                    this.object = tokens.load(token, record);
                }
                object = this.object;
            }
            byte[] secret = record.pinless() ? null : tokens.loginUser(token, pin);
            byte[] auth = record.pinless() ? new byte[0] : Tokens.authValueFor(record, secret);
            try {
                TpmPrivateKey key = TpmPrivateKey.of(tokens.ring(), object, auth, record.label());
                synchronized (jcaKeys) {
                    jcaKeys.add(key);
                }
                return new KeyPair(key.publicKey(), key);
            } finally {
                Secrets.wipe(secret);
                Secrets.wipe(auth);
            }
        }

        @Override
        public Stored stored() {
            return new Stored(token, record.label());
        }

        @Override
        public void close() {
            synchronized (jcaKeys) {
                jcaKeys.forEach(TpmPrivateKey::destroy);
                jcaKeys.clear();
            }
            synchronized (this) {
                if (object != null) {
                    try {
                        tokens.ring().cache().release(object);
                    } catch (TpmException | RuntimeException e) {
                        // The backend may be gone already (a restart scenario); its close flushed everything.
                    }
                    object = null;
                }
            }
        }
    }

    /** A PIN-less identity with a timer around sign. */
    private record TimedKey(AgentKey key, String combination) implements AgentKey {
        @Override
        public byte[] publicKeyBlob() {
            return key.publicKeyBlob();
        }

        @Override
        public String comment() {
            return key.comment();
        }

        @Override
        public byte[] sign(byte[] data, int flags) throws AgentSignException {
            long start = System.nanoTime();
            byte[] signature = key.sign(data, flags);
            LatencySink.current().record(combination, LatencySink.Operation.STACK_SIGN, System.nanoTime() - start);
            return signature;
        }
    }

    /**
     * A PIN identity with a timer around sign; the first sign of a key also includes the PIN check
     * (TPM2_Unseal of the token secret), later ones with the same PIN do not (see StoredPinKey).
     */
    private record TimedPinKey(PinProtectedKey key, String combination) implements PinProtectedKey {
        @Override
        public byte[] publicKeyBlob() {
            return key.publicKeyBlob();
        }

        @Override
        public String comment() {
            return key.comment();
        }

        @Override
        public String pinScope() {
            return key.pinScope();
        }

        @Override
        public byte[] sign(byte[] data, int flags, char[] pin)
                throws AgentSignException, PinIncorrectException, PinLockedException {
            long start = System.nanoTime();
            byte[] signature = key.sign(data, flags, pin);
            LatencySink.current().record(combination, LatencySink.Operation.STACK_SIGN, System.nanoTime() - start);
            return signature;
        }
    }
}
