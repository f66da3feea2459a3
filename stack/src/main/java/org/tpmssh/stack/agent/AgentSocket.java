package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The agent's listening unix socket, private to its user: 0600 in a 0700 directory, and only its
 * owner or root may connect (SO_PEERCRED).
 */
final class AgentSocket implements AutoCloseable {

    /** Linux sun_path is 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;

    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_SOCKET = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final ServerSocketChannel channel;
    private final UserPrincipal owner;
    private final UserPrincipal root;

    private AgentSocket(Path path, ServerSocketChannel channel, UserPrincipal owner, UserPrincipal root) {
        this.path = path;
        this.channel = channel;
        this.owner = owner;
        this.root = root;
    }

    /**
     * Binds a socket at {@code socketPath}, whose directory is created 0700 if absent and must
     * otherwise be private to this user already.
     */
    static AgentSocket bind(Path socketPath) throws AgentSocketException {
        Path path = socketPath.toAbsolutePath();
        checkPathLength(path);
        preparePrivateDirectory(path.getParent());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new AgentSocketException(path + " already exists; remove the stale socket or choose another path");
        }
        ServerSocketChannel channel = null;
        try {
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(path));
            // The directory is private, so nobody could reach the socket between bind and chmod.
            Files.setPosixFilePermissions(path, OWNER_ONLY_SOCKET);
            Set<PosixFilePermission> actual = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            if (!actual.equals(OWNER_ONLY_SOCKET)) {
                throw new AgentSocketException("socket " + path + " has mode "
                        + PosixFilePermissions.toString(actual) + " after chmod 600; is the file system POSIX?");
            }
            // The socket is ours, so its owner is this process's user: the one peers must match.
            UserPrincipal owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
            UserPrincipal root = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root");
            return new AgentSocket(path, channel, owner, root);
        } catch (IOException | RuntimeException e) {
            SshAgentServer.closeQuietly(channel);
            deleteQuietly(path);
            if (e instanceof AgentSocketException) {
                throw (AgentSocketException) e;
            }
            throw new AgentSocketException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    SocketChannel accept() throws IOException {
        return channel.accept();
    }

    /** Only the socket's owner, or root, may use the agent; a mode can be changed, SO_PEERCRED cannot. */
    boolean permits(SocketChannel client) {
        try {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (peer.user().equals(owner) || peer.user().equals(root)) {
                return true;
            }
            LOG.log(Level.WARNING, "agent: refused a connection from user {0}; only {1} and root may use this agent",
                    peer.user().getName(), owner.getName());
            return false;
        } catch (IOException | UnsupportedOperationException e) {
            LOG.log(Level.WARNING, "agent: cannot read the peer''s credentials ({0}); refusing the connection",
                    e.toString());
            return false;
        }
    }

    /** Stops accepting; the socket file stays until {@link #delete()}. */
    @Override
    public void close() {
        SshAgentServer.closeQuietly(channel);
    }

    void delete() {
        deleteQuietly(path);
    }

    private static void checkPathLength(Path path) throws AgentSocketException {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw new AgentSocketException("socket path is " + bytes + " bytes but a unix socket allows "
                    + MAX_SOCKET_PATH_BYTES + "; use a shorter directory, e.g. under /tmp: " + path);
        }
    }

    private static void preparePrivateDirectory(Path dir) throws AgentSocketException {
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
                Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR); // the umask may have trimmed it
            }
            PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class);
            Set<PosixFilePermission> others = EnumSet.copyOf(attributes.permissions());
            others.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE));
            String me = System.getProperty("user.name");
            if (!others.isEmpty() || !attributes.owner().getName().equals(me)) {
                throw new AgentSocketException("directory " + dir + " is "
                        + PosixFilePermissions.toString(attributes.permissions()) + " owned by "
                        + attributes.owner().getName() + "; the agent socket needs a directory owned by "
                        + me + " with mode 700 (chmod 700 it, or choose a private directory)");
            }
        } catch (AgentSocketException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            throw new AgentSocketException("cannot prepare a private directory " + dir + ": " + e, e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "agent: cannot delete socket {0}: {1}", path, e.getMessage());
        }
    }
}
