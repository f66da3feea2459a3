package org.tpmssh.sshserver;

import java.io.IOException;
import java.io.StringReader;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.shell.ProcessShellCommandFactory;

/**
 * Embedded Apache MINA SSHD as a server under test, on loopback, taking the same authorized_keys
 * lines as {@link OpenSshServer}; its host key may be a TPM key (docs/servers.md).
 */
public final class MinaSshServer implements SshServerUnderTest {

    private static final Logger LOG = System.getLogger(MinaSshServer.class.getName());
    static final String HOST = "127.0.0.1";

    private final SshServer sshd;
    private final Path workDir;
    private final String hostPublicKeyLine;
    private final String user;
    private volatile List<PublicKey> authorized;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MinaSshServer(SshServer sshd, Path workDir, String hostPublicKeyLine, List<PublicKey> authorized) {
        this.sshd = sshd;
        this.workDir = workDir;
        this.hostPublicKeyLine = hostPublicKeyLine;
        this.authorized = authorized;
        this.user = System.getProperty("user.name");
    }

    /** With a fresh software ECDSA P-256 host key. */
    public static MinaSshServer start(Path workDir, List<String> authorizedKeysLines) throws SshProcessException {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return start(workDir, authorizedKeysLines, KeyPairProvider.wrap(g.generateKeyPair()));
        } catch (GeneralSecurityException e) {
            throw new SshProcessException("the JDK cannot make an EC P-256 host key: " + e.getMessage(), e);
        }
    }

    /**
     * Starts MINA on 127.0.0.1 and a free port.
     *
     * @param workDir a directory of this test's own; holds a copy of authorized_keys for the reader
     * @param authorizedKeysLines public keys in authorized_keys format that may log in as the current user
     * @param hostKeys the host key(s); the first one is what {@link #hostPublicKeyLine()} reports
     */
    public static MinaSshServer start(Path workDir, List<String> authorizedKeysLines, KeyPairProvider hostKeys)
            throws SshProcessException {
        SshServer sshd = SshServer.setUpDefaultServer();
        try {
            Files.createDirectories(workDir);
            List<PublicKey> keys = parse(authorizedKeysLines);
            writeAtomically(workDir.resolve("authorized_keys"), authorizedKeysLines);
            Iterator<KeyPair> hostPairs = hostKeys.loadKeys(null).iterator();
            if (!hostPairs.hasNext()) {
                throw new SshProcessException("the host key provider gave no key");
            }
            String hostLine = PublicKeyEntry.toString(hostPairs.next().getPublic());
            sshd.setHost(HOST);
            sshd.setPort(0); // MINA binds and reports the port, so no probe-then-bind race
            sshd.setKeyPairProvider(hostKeys);
            sshd.setSignatureFactories(KeySelectedSignatures.wrap(sshd.getSignatureFactories()));
            sshd.setPasswordAuthenticator(null);
            sshd.setKeyboardInteractiveAuthenticator(null);
            sshd.setGSSAuthenticator(null);
            sshd.setHostBasedAuthenticator(null);
            sshd.setCommandFactory(ProcessShellCommandFactory.INSTANCE);
            MinaSshServer server = new MinaSshServer(sshd, workDir, hostLine, keys);
            sshd.setPublickeyAuthenticator((username, key, session) -> server.accepts(username, key));
            sshd.start();
            LOG.log(Level.DEBUG, "MINA sshd listening on {0}:{1}", HOST, sshd.getPort());
            return server;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            closeQuietly(sshd);
            if (e instanceof SshProcessException s) {
                throw s;
            }
            throw new SshProcessException("cannot start MINA SSHD in " + workDir + ": " + e.getMessage(), e);
        }
    }

    private boolean accepts(String username, PublicKey key) {
        // As sshd: only the current user's authorized_keys exist here.
        return user.equals(username) && authorized.stream().anyMatch(k -> KeyUtils.compareKeys(k, key));
    }

    @Override
    public String host() {
        return HOST;
    }

    @Override
    public int port() {
        return sshd.getPort();
    }

    @Override
    public String hostPublicKeyLine() {
        return hostPublicKeyLine;
    }

    public Path workDir() {
        return workDir;
    }

    @Override
    public void setAuthorizedKeys(List<String> authorizedKeysLines) throws IOException {
        List<PublicKey> keys = parse(authorizedKeysLines);
        writeAtomically(workDir.resolve("authorized_keys"), authorizedKeysLines);
        authorized = keys;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(sshd);
        }
    }

    private static void closeQuietly(SshServer sshd) {
        try {
            sshd.stop(true);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "MINA sshd stop: {0}", e.getMessage());
        }
    }

    private static List<PublicKey> parse(List<String> lines) throws IOException {
        List<PublicKey> keys = new ArrayList<>();
        try {
            for (AuthorizedKeyEntry e : AuthorizedKeyEntry.readAuthorizedKeys(
                    new StringReader(String.join("\n", lines)), true)) {
                PublicKey k = e.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
                keys.add(k);
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException("an authorized_keys line does not parse: " + e.getMessage(), e);
        }
        return List.copyOf(keys);
    }

    private static void writeAtomically(Path target, List<String> lines) throws IOException {
        Path temporary = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        Files.write(temporary, lines, StandardCharsets.UTF_8);
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
