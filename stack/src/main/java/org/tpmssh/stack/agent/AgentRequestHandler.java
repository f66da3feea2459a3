package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.AgentMessages.*;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.sshd.common.SshException;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.PinProtectedKey;
import org.tpmssh.stack.ssh.SshCurve;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.ssh.SshSignatures;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * Turns one agent request body into one response body, without socket I/O, so the protocol can
 * be tested apart from sockets. It owns the agent's state: keys added with ssh-add, supplied keys
 * the client removed, and the lock. Anything it does not understand becomes SSH_AGENT_FAILURE.
 * Fields are read and written with MINA's {@code Buffer} (through {@link SshWireReader}).
 */
final class AgentRequestHandler {

    private static final Logger LOG = System.getLogger(SshAgentServer.class.getName());
    private static final byte[] FAILURE = {(byte) SSH_AGENT_FAILURE};
    private static final byte[] SUCCESS = {(byte) SSH_AGENT_SUCCESS};
    /** As OpenSSH: more bindings than this on one connection is not a real ssh. */
    private static final int MAX_SESSION_BINDINGS = 16;
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    /** A key added with ssh-add, with its constraints. */
    private record Added(AgentKey key, Instant expires, boolean confirm) {
    }

    /** One session-bind@openssh.com: the SSH session this connection serves. */
    private record Binding(byte[] sessionId, boolean forwarding) {
    }

    /** What one client connection carries between requests. */
    static final class Connection implements AutoCloseable {
        private final List<Binding> bindings = new ArrayList<>();
        private final UpstreamAgent upstream;

        Connection(UpstreamAgent upstream) {
            this.upstream = upstream;
        }

        @Override
        public void close() {
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    private final Supplier<? extends Collection<? extends AgentKey>> keys;
    private final AgentOptions options;
    private final ScheduledExecutorService timers;
    private final Map<String, Added> added = new LinkedHashMap<>();
    private final Set<String> hidden = ConcurrentHashMap.newKeySet();
    private final SecureRandom random = new SecureRandom();
    private byte[] lockSalt;
    private byte[] lockMac;
    private int failedUnlocks;

    AgentRequestHandler(Supplier<? extends Collection<? extends AgentKey>> keys, AgentOptions options,
            ScheduledExecutorService timers) {
        this.keys = keys;
        this.options = options;
        this.timers = timers;
    }

    static byte[] failure() {
        return FAILURE.clone();
    }

    Connection connection() {
        return new Connection(options.upstream() == null ? null : new UpstreamAgent(options.upstream(), timers));
    }

    /**
     * @param request a complete message body: type byte and contents, without the length; it is
     *     wiped afterwards, since add-identity and lock messages carry secrets
     */
    byte[] handle(Connection connection, byte[] request) {
        try {
            return dispatch(connection, request);
        } finally {
            Arrays.fill(request, (byte) 0);
        }
    }

    private byte[] dispatch(Connection connection, byte[] request) {
        if (request.length == 0) {
            return failure();
        }
        int type = request[0] & 0xff;
        SshWireReader reader = new SshWireReader(request, 1, request.length - 1);
        try {
            if (locked() && type != SSH_AGENTC_UNLOCK) {
                // As OpenSSH: a locked agent lists nothing and does nothing else.
                if (type == SSH_AGENTC_REQUEST_IDENTITIES) {
                    reader.requireEnd("identities request");
                    return new SshWireWriter().writeByte(SSH_AGENT_IDENTITIES_ANSWER).writeUint32(0).toByteArray();
                }
                LOG.log(Level.INFO, "agent: locked; refusing message type {0}", type);
                return failure();
            }
            switch (type) {
                case SSH_AGENTC_REQUEST_IDENTITIES:
                    reader.requireEnd("identities request");
                    return identities(connection);
                case SSH_AGENTC_SIGN_REQUEST:
                    return sign(connection, reader, request);
                case SSH_AGENTC_ADD_IDENTITY:
                case SSH_AGENTC_ADD_ID_CONSTRAINED:
                    return add(reader, type == SSH_AGENTC_ADD_ID_CONSTRAINED);
                case SSH_AGENTC_REMOVE_IDENTITY:
                    return remove(connection, reader, request);
                case SSH_AGENTC_REMOVE_ALL_IDENTITIES:
                    reader.requireEnd("remove-all request");
                    return removeAll(connection, request);
                case SSH_AGENTC_LOCK:
                    return lock(reader);
                case SSH_AGENTC_UNLOCK:
                    return unlock(reader);
                case SSH_AGENTC_EXTENSION:
                    return extension(connection, reader, request);
                default:
                    // Smartcard keys, protocol 1 and anything newer: the draft says answer FAILURE.
                    LOG.log(Level.DEBUG, "agent: unsupported message type {0}, answering failure", type);
                    return failure();
            }
        } catch (SshWireFormatException e) {
            LOG.log(Level.WARNING, "agent: malformed message of type {0} ({1} bytes): {2}",
                    type, request.length, e.getMessage());
            return failure();
        } catch (RuntimeException e) {
            // MINA's parsers throw unchecked exceptions on bad input; one bad message costs one failure.
            LOG.log(Level.WARNING, "agent: malformed message of type {0} ({1} bytes): {2}",
                    type, request.length, e.toString());
            return failure();
        }
    }

    // ---- identities ----

    /** Our keys: the supplier's, minus those removed, then added ones that have not expired. */
    private Map<String, Object> ours() {
        Map<String, Object> all = new LinkedHashMap<>();
        for (AgentKey key : List.copyOf(keys.get())) {
            String id = id(key.publicKeyBlob());
            if (!hidden.contains(id)) {
                all.putIfAbsent(id, key);
            }
        }
        synchronized (added) {
            purgeExpired();
            added.forEach(all::putIfAbsent);
        }
        return all;
    }

    private byte[] identities(Connection connection) throws SshWireFormatException {
        Map<String, Object> current;
        try {
            current = ours();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "agent: the key supplier failed: {0}", e.toString());
            return failure();
        }
        List<byte[]> blobs = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        for (Object entry : current.values()) {
            AgentKey key = entry instanceof Added a ? a.key() : (AgentKey) entry;
            blobs.add(key.publicKeyBlob());
            comments.add(key.comment() == null ? "" : key.comment());
        }
        if (connection.upstream != null) {
            byte[] answer = connection.upstream.request(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES});
            if (answer != null && answer.length > 0 && (answer[0] & 0xff) == SSH_AGENT_IDENTITIES_ANSWER) {
                SshWireReader upstream = new SshWireReader(answer, 1, answer.length - 1);
                long count = upstream.readUint32();
                for (long i = 0; i < count; i++) {
                    byte[] blob = upstream.readString();
                    String comment = upstream.readUtf8();
                    if (!current.containsKey(id(blob))) {
                        blobs.add(blob);
                        comments.add(comment);
                    }
                }
            }
        }
        SshWireWriter out = new SshWireWriter().writeByte(SSH_AGENT_IDENTITIES_ANSWER).writeUint32(blobs.size());
        for (int i = 0; i < blobs.size(); i++) {
            out.writeString(blobs.get(i)).writeString(comments.get(i));
        }
        return out.toByteArray();
    }

    // ---- signing ----

    private byte[] sign(Connection connection, SshWireReader reader, byte[] request) throws SshWireFormatException {
        byte[] blob = reader.readString();
        byte[] data = reader.readString();
        long flags = reader.readUint32();
        reader.requireEnd("sign request");
        Object entry;
        try {
            entry = ours().get(id(blob));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "agent: the key supplier failed: {0}", e.toString());
            return failure();
        }
        if (entry == null) {
            if (connection.upstream != null) {
                byte[] answer = connection.upstream.request(request.clone());
                return answer == null ? failure() : answer;
            }
            LOG.log(Level.INFO, "agent: sign request for a key this agent does not hold ({0}-byte blob)",
                    blob.length);
            return failure();
        }
        AgentKey key = entry instanceof Added a ? a.key() : (AgentKey) entry;
        if (!sessionMatches(connection, data)) {
            LOG.log(Level.WARNING, "agent: refusing to sign with \"{0}\": the data names another SSH session"
                    + " than this connection is bound to", key.comment());
            return failure();
        }
        if (!options.allowSha1Rsa() && SshSignatureAlgorithm.forRequest(blob, (int) flags).isSha1()) {
            LOG.log(Level.WARNING, "agent: refusing an ssh-rsa (SHA-1) signature with \"{0}\"; the client must ask"
                    + " for rsa-sha2-256 or rsa-sha2-512, or the agent must be configured to allow SHA-1",
                    key.comment());
            return failure();
        }
        if (entry instanceof Added a && a.confirm() && !confirmed(key, blob)) {
            return failure();
        }
        try {
            byte[] signature = key instanceof PinProtectedKey pk ? signWithPin(pk, data, (int) flags)
                    : key.sign(data, (int) flags);
            LOG.log(Level.DEBUG, "agent: signed {0} bytes with \"{1}\" (flags {2})", data.length, key.comment(), flags);
            return new SshWireWriter().writeByte(SSH_AGENT_SIGN_RESPONSE).writeString(signature).toByteArray();
        } catch (AgentSignException | PinException e) {
            LOG.log(Level.WARNING, "agent: key \"{0}\" could not sign: {1}", key.comment(), e.getMessage());
            return failure();
        } catch (RuntimeException e) {
            // A bug in a key must cost one failed signature, not the connection or the server.
            LOG.log(Level.ERROR, "agent: key \"{0}\" failed unexpectedly: {1}", key.comment(), e.toString());
            return failure();
        }
    }

    private byte[] signWithPin(PinProtectedKey key, byte[] data, int flags) throws AgentSignException, PinException {
        synchronized (options.pins().lockFor(key.pinScope())) {
            return signWithPinLocked(key, data, flags);
        }
    }

    private byte[] signWithPinLocked(PinProtectedKey key, byte[] data, int flags)
            throws AgentSignException, PinException {
        char[] pin = options.pins().pinFor(key);
        try {
            byte[] signature = key.sign(data, flags, pin);
            options.pins().accepted(key.pinScope(), pin);
            return signature;
        } catch (PinIncorrectException e) {
            options.pins().refused(key.pinScope());
            throw e;
        } catch (PinLockedException e) {
            options.pins().refused(key.pinScope());
            throw e;
        } finally {
            Secrets.wipe(pin);
        }
    }

    private boolean confirmed(AgentKey key, byte[] blob) {
        if (!options.askpass().available()) {
            LOG.log(Level.WARNING, "agent: key \"{0}\" was added with confirmation (ssh-add -c) but no askpass"
                    + " is available; refusing. Set SSH_ASKPASS (with DISPLAY or SSH_ASKPASS_REQUIRE=force)",
                    key.comment());
            return false;
        }
        String prompt = "Allow use of key " + key.comment() + "?\nKey fingerprint " + fingerprint(blob) + ".";
        boolean yes = options.askpass().confirm(prompt);
        if (!yes) {
            LOG.log(Level.INFO, "agent: use of key \"{0}\" was not confirmed", key.comment());
        }
        return yes;
    }

    /**
     * A connection bound to an SSH session for authentication may sign only user-auth requests for
     * that session, as OpenSSH's agent enforces. Data that is not a user-auth request passes.
     */
    private static boolean sessionMatches(Connection connection, byte[] data) {
        Binding last;
        synchronized (connection.bindings) {
            if (connection.bindings.isEmpty()) {
                return true;
            }
            last = connection.bindings.get(connection.bindings.size() - 1);
        }
        if (last.forwarding()) {
            return true;
        }
        try {
            SshWireReader reader = new SshWireReader(data);
            byte[] sessionId = reader.readString();
            if (reader.readByte() != 50) { // SSH_MSG_USERAUTH_REQUEST
                return true;
            }
            return MessageDigest.isEqual(sessionId, last.sessionId());
        } catch (SshWireFormatException e) {
            return true;
        }
    }

    // ---- adding and removing ----

    private byte[] add(SshWireReader reader, boolean constrained) throws SshWireFormatException {
        String type = reader.readUtf8();
        if (type.equals("ssh-ed25519") || type.startsWith("sk-") || type.contains("-cert-v01@openssh.com")) {
            LOG.log(Level.WARNING, "agent: refusing to add a {0} key: a TPM 2.0 cannot hold it, so tpmssh does not"
                    + " either; keep it in OpenSSH''s ssh-agent, or create an ECDSA key with `tpmssh key create`",
                    type.replaceAll("\\p{Cntrl}", "?"));
            return failure();
        }
        KeyPair pair = readKeyPair(type, reader);
        String comment = reader.readUtf8();
        long lifetime = 0;
        boolean confirm = false;
        while (constrained && reader.hasRemaining()) {
            int constraint = reader.readByte();
            if (constraint == SSH_AGENT_CONSTRAIN_LIFETIME) {
                lifetime = reader.readUint32();
            } else if (constraint == SSH_AGENT_CONSTRAIN_CONFIRM) {
                confirm = true;
            } else {
                String name = constraint == SSH_AGENT_CONSTRAIN_EXTENSION ? " " + reader.readUtf8() : "";
                LOG.log(Level.WARNING, "agent: refusing key \"{0}\": unsupported constraint {1}{2}", comment,
                        constraint, name);
                return failure();
            }
        }
        reader.requireEnd("add-identity request");
        AgentKey key;
        try {
            key = options.addedKeys().admit(pair, comment);
        } catch (AddedKeyRefusedException e) {
            LOG.log(Level.WARNING, "agent: refusing to add key \"{0}\": {1}", comment, e.getMessage());
            return failure();
        }
        String id = id(key.publicKeyBlob());
        Instant expires = lifetime > 0 ? options.clock().instant().plusSeconds(lifetime) : null;
        Added entry = new Added(key, expires, confirm);
        synchronized (added) {
            Added old = added.put(id, entry);
            if (old != null && old.key() != key) {
                closeKey(old.key());
            }
        }
        hidden.remove(id); // adding a removed TPM key's twin shows it again
        if (expires != null) {
            timers.schedule(() -> expire(id, entry), lifetime, TimeUnit.SECONDS);
        }
        LOG.log(Level.INFO, "agent: added key \"{0}\" in memory{1}{2}", comment,
                lifetime > 0 ? ", lifetime " + lifetime + " s" : "", confirm ? ", confirm each use" : "");
        return SUCCESS.clone();
    }

    /**
     * The private key as ssh-add sends it. ECDSA goes through MINA's {@code Buffer.getKeyPair}; RSA
     * is read field by field because MINA expects {@code e, n, ..., q, p} where OpenSSH sends
     * {@code n, e, d, iqmp, p, q} (PROTOCOL.agent), so MINA would build a different key.
     */
    private static KeyPair readKeyPair(String type, SshWireReader reader) throws SshWireFormatException {
        if (SshPublicKeys.SSH_RSA.equals(type)) {
            BigInteger n = reader.readPositiveMpint("RSA n");
            BigInteger e = reader.readPositiveMpint("RSA e");
            BigInteger d = reader.readPositiveMpint("RSA d");
            BigInteger iqmp = reader.readPositiveMpint("RSA iqmp");
            BigInteger p = reader.readPositiveMpint("RSA p");
            BigInteger q = reader.readPositiveMpint("RSA q");
            if (p.signum() == 0 || q.signum() == 0 || !p.multiply(q).equals(n)) {
                throw new SshWireFormatException("RSA private key: p times q is not n");
            }
            try {
                KeyFactory factory = KeyFactory.getInstance("RSA");
                BigInteger dp = d.mod(p.subtract(BigInteger.ONE));
                BigInteger dq = d.mod(q.subtract(BigInteger.ONE));
                return new KeyPair(factory.generatePublic(new RSAPublicKeySpec(n, e)),
                        factory.generatePrivate(new RSAPrivateCrtKeySpec(n, e, d, p, q, dp, dq, iqmp)));
            } catch (GeneralSecurityException ex) {
                throw new SshWireFormatException("RSA private key rejected: " + ex.getMessage());
            }
        }
        if (SshCurve.ofKeyType(type).isEmpty()) {
            throw new SshWireFormatException("cannot add a key of type "
                    + type.replaceAll("\\p{Cntrl}", "?") + "; tpmssh holds ECDSA (nistp256/384/521) and RSA keys");
        }
        // Step back over the type so MINA reads the whole key as it expects.
        var buffer = reader.buffer();
        buffer.rpos(buffer.rpos() - 4 - type.getBytes(StandardCharsets.UTF_8).length);
        try {
            return buffer.getKeyPair();
        } catch (SshException e) {
            throw new SshWireFormatException("ECDSA private key rejected: " + e.getMessage());
        }
    }

    private byte[] remove(Connection connection, SshWireReader reader, byte[] request) throws SshWireFormatException {
        byte[] blob = reader.readString();
        reader.requireEnd("remove-identity request");
        String id = id(blob);
        Added gone;
        synchronized (added) {
            gone = added.remove(id);
        }
        if (gone != null) {
            closeKey(gone.key());
            LOG.log(Level.INFO, "agent: removed added key \"{0}\"", gone.key().comment());
            return SUCCESS.clone();
        }
        for (AgentKey key : List.copyOf(keys.get())) {
            if (id(key.publicKeyBlob()).equals(id) && hidden.add(id)) {
                LOG.log(Level.INFO, "agent: key \"{0}\" is no longer offered by this agent; it stays in the TPM"
                        + " store and returns when the agent restarts", key.comment());
                return SUCCESS.clone();
            }
        }
        if (connection.upstream != null) {
            byte[] answer = connection.upstream.request(request.clone());
            return answer == null ? failure() : answer;
        }
        return failure();
    }

    private byte[] removeAll(Connection connection, byte[] request) {
        List<Added> gone;
        synchronized (added) {
            gone = List.copyOf(added.values());
            added.clear();
        }
        gone.forEach(a -> closeKey(a.key()));
        try {
            keys.get().forEach(k -> hidden.add(id(k.publicKeyBlob())));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "agent: the key supplier failed: {0}", e.toString());
        }
        if (connection.upstream != null) {
            connection.upstream.request(request.clone());
        }
        LOG.log(Level.INFO, "agent: removed all identities ({0} added keys forgotten)", gone.size());
        return SUCCESS.clone();
    }

    private void expire(String id, Added entry) {
        boolean removed;
        synchronized (added) {
            removed = added.remove(id, entry);
        }
        if (removed) {
            closeKey(entry.key());
            LOG.log(Level.INFO, "agent: key \"{0}\" reached its lifetime and was forgotten", entry.key().comment());
        }
    }

    private void purgeExpired() {
        Instant now = options.clock().instant();
        added.entrySet().removeIf(e -> {
            if (e.getValue().expires() != null && !now.isBefore(e.getValue().expires())) {
                closeKey(e.getValue().key());
                return true;
            }
            return false;
        });
    }

    /** Forgets every added key; called when the agent closes. */
    void forgetAll() {
        synchronized (added) {
            added.values().forEach(a -> closeKey(a.key()));
            added.clear();
        }
        options.pins().clear();
        synchronized (this) {
            Secrets.wipe(lockMac);
            Secrets.wipe(lockSalt);
        }
    }

    private static void closeKey(AgentKey key) {
        if (key instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "agent: closing key \"{0}\" failed: {1}", key.comment(), e.toString());
            }
        }
    }

    // ---- locking ----

    private synchronized boolean locked() {
        return lockMac != null;
    }

    private byte[] lock(SshWireReader reader) throws SshWireFormatException {
        byte[] passphrase = reader.readString();
        try {
            reader.requireEnd("lock request");
            synchronized (this) {
                if (lockMac != null) {
                    return failure();
                }
                // Only a salted MAC is kept, so a memory dump of a locked agent does not show the passphrase.
                lockSalt = new byte[32];
                random.nextBytes(lockSalt);
                lockMac = mac(lockSalt, passphrase);
                failedUnlocks = 0;
            }
            options.pins().clear();
            LOG.log(Level.INFO, "agent: locked");
            return SUCCESS.clone();
        } finally {
            Secrets.wipe(passphrase);
        }
    }

    private byte[] unlock(SshWireReader reader) throws SshWireFormatException {
        byte[] passphrase = reader.readString();
        try {
            reader.requireEnd("unlock request");
            int fails;
            synchronized (this) {
                if (lockMac == null) {
                    return failure();
                }
                byte[] candidate = mac(lockSalt, passphrase);
                boolean match = MessageDigest.isEqual(candidate, lockMac);
                Secrets.wipe(candidate);
                if (match) {
                    Secrets.wipe(lockMac);
                    Secrets.wipe(lockSalt);
                    lockMac = null;
                    lockSalt = null;
                    LOG.log(Level.INFO, "agent: unlocked");
                    return SUCCESS.clone();
                }
                fails = ++failedUnlocks;
            }
            LOG.log(Level.WARNING, "agent: wrong passphrase to unlock ({0} so far)", fails);
            // As OpenSSH: each wrong guess costs a little more time.
            sleepQuietly(Math.min(100L * fails, 1000L));
            return failure();
        } finally {
            Secrets.wipe(passphrase);
        }
    }

    private static byte[] mac(byte[] salt, byte[] passphrase) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            return mac.doFinal(passphrase);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    // ---- extensions ----

    private byte[] extension(Connection connection, SshWireReader reader, byte[] request)
            throws SshWireFormatException {
        String name = reader.readUtf8();
        if (!SESSION_BIND.equals(name)) {
            LOG.log(Level.DEBUG, "agent: unsupported extension {0}", name.replaceAll("\\p{Cntrl}", "?"));
            return failure();
        }
        byte[] hostKey = reader.readString();
        byte[] sessionId = reader.readString();
        byte[] signature = reader.readString();
        boolean forwarding = reader.readBoolean();
        reader.requireEnd("session-bind");
        if (!hostKeySigned(hostKey, sessionId, signature)) {
            LOG.log(Level.WARNING, "agent: session-bind signature does not verify; refusing the binding");
            return failure();
        }
        synchronized (connection.bindings) {
            for (Binding b : connection.bindings) {
                if (MessageDigest.isEqual(b.sessionId(), sessionId)) {
                    return b.forwarding() == forwarding ? SUCCESS.clone() : failure();
                }
            }
            if (connection.bindings.size() >= MAX_SESSION_BINDINGS) {
                LOG.log(Level.WARNING, "agent: more than {0} session bindings on one connection", MAX_SESSION_BINDINGS);
                return failure();
            }
            if (!connection.bindings.isEmpty() && !connection.bindings.get(connection.bindings.size() - 1).forwarding()) {
                // A connection bound for authentication serves that one session only.
                LOG.log(Level.WARNING, "agent: refusing to re-bind a connection bound for authentication");
                return failure();
            }
            connection.bindings.add(new Binding(sessionId, forwarding));
        }
        if (connection.upstream != null) {
            connection.upstream.request(request.clone()); // let the upstream agent apply its own rules too
        }
        LOG.log(Level.DEBUG, "agent: connection bound to a session of host key {0} ({1})", fingerprint(hostKey),
                forwarding ? "forwarding" : "authentication");
        return SUCCESS.clone();
    }

    /** The host key's signature over the session id; Ed25519 host keys are common, so they are verified too. */
    private static boolean hostKeySigned(byte[] hostKey, byte[] sessionId, byte[] signatureBlob) {
        try {
            SshSignatures.Parsed sig = SshSignatures.parse(signatureBlob);
            String keyType = SshPublicKeys.keyType(hostKey);
            PublicKey key;
            String algorithm;
            byte[] signature = sig.signature();
            if ("ssh-ed25519".equals(keyType)) {
                SshWireReader reader = new SshWireReader(hostKey);
                reader.readUtf8();
                byte[] point = reader.readString();
                reader.requireEnd("Ed25519 host key");
                if (point.length != 32 || !"ssh-ed25519".equals(sig.algorithm())) {
                    return false;
                }
                byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
                System.arraycopy(point, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
                algorithm = "Ed25519";
            } else {
                key = SshPublicKeys.parse(hostKey);
                SshCurve curve = SshCurve.ofKeyType(keyType).orElse(null);
                if (curve != null) {
                    algorithm = curve.jcaSignatureAlgorithm();
                    signature = SshSignatures.ecdsaToDer(SshSignatures.parseEcdsa(curve, signatureBlob));
                } else if (SshSignatures.RSA_SHA2_512.equals(sig.algorithm())) {
                    algorithm = "SHA512withRSA";
                } else if (SshSignatures.RSA_SHA2_256.equals(sig.algorithm())) {
                    algorithm = "SHA256withRSA";
                } else {
                    return false;
                }
            }
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(key);
            verifier.update(sessionId);
            return verifier.verify(signature);
        } catch (SshWireFormatException | GeneralSecurityException | RuntimeException e) {
            LOG.log(Level.DEBUG, "agent: session-bind host key or signature unusable: {0}", e.getMessage());
            return false;
        }
    }

    // ---- helpers ----

    private static String id(byte[] blob) {
        return Base64.getEncoder().encodeToString(blob);
    }

    static String fingerprint(byte[] blob) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
