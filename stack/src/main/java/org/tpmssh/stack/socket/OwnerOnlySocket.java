package org.tpmssh.stack.socket;

import java.io.IOException;
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
import java.util.Optional;
import java.util.Set;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * A listening unix socket that only its owner and root may use: mode 0600 in a 0700 directory,
 * and every accepted peer checked with SO_PEERCRED. The agent and the p11-kit server listen on one.
 */
public final class OwnerOnlySocket implements AutoCloseable {
    /** Linux sun_path is 108 bytes including the terminating NUL. */
    public static final int MAX_PATH_BYTES = 107;

    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_SOCKET = PosixFilePermissions.fromString("rw-------");

    private final Path path;
    private final ServerSocketChannel channel;
    private final UserPrincipal owner;
    private final UserPrincipal root;

    private OwnerOnlySocket(Path path, ServerSocketChannel channel, UserPrincipal owner, UserPrincipal root) {
        this.path = path;
        this.channel = channel;
        this.owner = owner;
        this.root = root;
    }

    /**
     * Binds a socket at {@code socketPath}. Its directory is created 0700 if absent, and must
     * otherwise already be private to this user; an existing file at the path is never replaced.
     */
    public static OwnerOnlySocket bind(Path socketPath) throws PrivateSocketException {
        Path path = socketPath.toAbsolutePath();
        checkPathLength(path);
        preparePrivateDirectory(path.getParent());
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new PrivateSocketException(path + " already exists; remove the stale socket or choose another path");
        }
        ServerSocketChannel channel = null;
        try {
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            channel.bind(UnixDomainSocketAddress.of(path));
            // The directory is private, so nobody could reach the socket between bind and chmod.
            Files.setPosixFilePermissions(path, OWNER_ONLY_SOCKET);
            Set<PosixFilePermission> actual = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            if (!actual.equals(OWNER_ONLY_SOCKET)) {
                throw new PrivateSocketException("socket " + path + " has mode "
                        + PosixFilePermissions.toString(actual) + " after chmod 600; is the file system POSIX?");
            }
            // The socket is ours, so its owner is this process's user: the one peers must match.
            UserPrincipal owner = Files.getOwner(path, LinkOption.NOFOLLOW_LINKS);
            UserPrincipal root = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root");
            return new OwnerOnlySocket(path, channel, owner, root);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            deleteQuietly(path);
            if (e instanceof PrivateSocketException p) {
                throw p;
            }
            throw new PrivateSocketException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    /** The bound channel, for the caller's accept loop. */
    public ServerSocketChannel channel() {
        return channel;
    }

    /**
     * Why {@code client} may not use this socket, or empty when it is this user or root. A mode
     * can be loosened by mistake; SO_PEERCRED cannot be forged.
     */
    public Optional<String> refusal(SocketChannel client) {
        try {
            UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
            if (peer.user().equals(owner) || peer.user().equals(root)) {
                return Optional.empty();
            }
            return Optional.of("refused a connection from user " + peer.user().getName() + "; only "
                    + owner.getName() + " and root may use this socket");
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("cannot read the peer's credentials (" + e + "); refusing the connection");
        }
    }

    /** Stops listening and deletes the socket file. */
    @Override
    public void close() {
        closeQuietly(channel);
        deleteQuietly(path);
    }

    private static void checkPathLength(Path path) throws PrivateSocketException {
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PATH_BYTES) {
            throw new PrivateSocketException("socket path is " + bytes + " bytes but a unix socket allows "
                    + MAX_PATH_BYTES + "; use a shorter directory, e.g. under /tmp: " + path);
        }
    }

    private static void preparePrivateDirectory(Path dir) throws PrivateSocketException {
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
                throw new PrivateSocketException("directory " + dir + " is "
                        + PosixFilePermissions.toString(attributes.permissions()) + " owned by "
                        + attributes.owner().getName() + "; the socket needs a directory owned by "
                        + me + " with mode 700 (chmod 700 it, or choose a private directory)");
            }
        } catch (PrivateSocketException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            throw new PrivateSocketException("cannot prepare a private directory " + dir + ": " + e, e);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // nothing left to release
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            System.getLogger(OwnerOnlySocket.class.getName()).log(System.Logger.Level.WARNING,
                    "cannot delete socket {0}: {1}", path, e.getMessage());
        }
    }
}
