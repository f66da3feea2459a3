package org.tpmssh.sshserver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RequiredServerKeyVerifier;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.signature.Signature;

/**
 * The Apache MINA SSH client as a test client: only the identities and host key it is given,
 * never ~/.ssh, and failures reported as {@code ssh} does (docs/servers.md).
 */
public final class MinaSshClient implements AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** What {@code ssh} exits with when it could not log in. */
    public static final int LOGIN_FAILED = 255;

    private final SshClient client;
    private final Duration timeout;

    private MinaSshClient(SshClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures identities, host trust, algorithms and the timeout; {@link #start()} starts the client. */
    public static final class Builder {
        private KeyIdentityProvider identities = KeyIdentityProvider.EMPTY_KEYS_PROVIDER;
        private ServerKeyVerifier hostKeyVerifier;
        private List<String> signatureAlgorithms;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {
        }

        public Builder identity(KeyPair keyPair) {
            return identities(KeyIdentityProvider.wrapKeyPairs(keyPair));
        }

        public Builder identities(KeyIdentityProvider provider) {
            this.identities = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /** Trust exactly this host key. */
        public Builder trustedHostKey(PublicKey hostKey) {
            this.hostKeyVerifier = new RequiredServerKeyVerifier(hostKey);
            return this;
        }

        /** Trust the keys a known_hosts file lists; an unknown or changed host key is refused. */
        public Builder knownHosts(Path knownHostsFile) {
            this.hostKeyVerifier = new KnownHostsServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE,
                    knownHostsFile);
            return this;
        }

        /**
         * The SSH signature algorithms offered, in order (host key and user auth alike), e.g.
         * {@code rsa-sha2-256} without {@code rsa-sha2-512} to force the former. Default: MINA's list.
         */
        public Builder signatureAlgorithms(List<String> names) {
            this.signatureAlgorithms = List.copyOf(names);
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public MinaSshClient start() {
            if (hostKeyVerifier == null) {
                throw new IllegalStateException("say which host key to trust: trustedHostKey(key) or"
                        + " knownHosts(file); a test client never trusts blindly");
            }
            SshClient client = SshClient.setUpDefaultClient();
            // Nothing from the user's ~/.ssh: no config file, no key files, no known_hosts of theirs.
            client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
            client.setKeyIdentityProvider(identities);
            client.setServerKeyVerifier(hostKeyVerifier);
            client.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
            List<NamedFactory<Signature>> signatures = KeySelectedSignatures.wrap(client.getSignatureFactories());
            if (signatureAlgorithms != null) {
                List<NamedFactory<Signature>> chosen = signatureAlgorithms.stream()
                        .map(name -> signatures.stream().filter(f -> f.getName().equals(name)).findFirst()
                                .orElseThrow(() -> new IllegalArgumentException("MINA offers no signature algorithm "
                                        + name + "; it knows " + signatures.stream().map(NamedFactory::getName)
                                        .toList())))
                        .toList();
                client.setSignatureFactories(chosen);
            } else {
                client.setSignatureFactories(signatures);
            }
            client.start();
            return new MinaSshClient(client, timeout);
        }
    }

    /** Logs in to {@code server} as the current user and runs {@code command}. */
    public CommandResult run(SshServerUnderTest server, String command) throws SshProcessException {
        return run(server.host(), server.port(), command);
    }

    public CommandResult run(String host, int port, String command) throws SshProcessException {
        String user = System.getProperty("user.name");
        long started = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ClientSession session = client.connect(user, host, port).verify(timeout).getSession()) {
            session.auth().verify(timeout);
            try (ChannelExec channel = session.createExecChannel(command)) {
                channel.setOut(out);
                channel.setErr(err);
                channel.open().verify(timeout);
                Set<ClientChannelEvent> events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
                if (events.contains(ClientChannelEvent.TIMEOUT)) {
                    throw new SshProcessException("\"" + command + "\" on " + host + ":" + port
                            + " did not finish within " + timeout.toSeconds() + " s");
                }
                Integer status = channel.getExitStatus();
                if (status == null) {
                    throw new SshProcessException("\"" + command + "\" on " + host + ":" + port
                            + " ended without an exit status");
                }
                return new CommandResult(status, out.toString(StandardCharsets.UTF_8),
                        err.toString(StandardCharsets.UTF_8), System.nanoTime() - started);
            }
        } catch (SshProcessException e) {
            throw e;
        } catch (IOException e) {
            // Connection, host key or authentication failure: what ssh reports as 255.
            return new CommandResult(LOGIN_FAILED, out.toString(StandardCharsets.UTF_8),
                    "MINA client: " + e.getMessage() + causes(e), System.nanoTime() - started);
        }
    }

    private static String causes(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append("\n  caused by: ").append(c);
        }
        return b.toString();
    }

    @Override
    public void close() {
        client.stop();
    }
}
