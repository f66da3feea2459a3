package org.tpmssh.stack.pin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The one rule for files that hold a PIN or passphrase: only their owner may read or change them.
 * OpenSSH refuses a private key file others can read for the same reason; a secret that others
 * could read is no longer one, and one they could change can be swapped under the user.
 */
public final class SecretFileMode {
    private static final Set<PosixFilePermission> READ_BY_OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.OTHERS_READ);
    private static final Set<PosixFilePermission> CHANGED_BY_OTHERS = Set.of(PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_WRITE);

    private SecretFileMode() {
    }

    /**
     * Refuses {@code file} (following a symlink) when its group or others may read or write it. A
     * missing file or a directory passes, for its reader to report; so does a file system without
     * POSIX modes.
     *
     * @param what what the file holds, e.g. "PIN" or "passphrase"
     */
    public static void requirePrivate(Path file, String what) throws ExposedSecretFileException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(file);
        } catch (NoSuchFileException | UnsupportedOperationException e) {
            return;
        } catch (IOException e) {
            return; // unreadable attributes: reading the file fails next, with its own message
        }
        boolean read = mode.stream().anyMatch(READ_BY_OTHERS::contains);
        boolean write = mode.stream().anyMatch(CHANGED_BY_OTHERS::contains);
        if (read || write) {
            throw new ExposedSecretFileException("the " + what + " file " + file + " can be "
                    + (read ? "read" : "") + (read && write ? " and " : "") + (write ? "changed" : "")
                    + " by other users (mode " + octal(mode) + "), so it is refused as OpenSSH refuses such key files;"
                    + " make it private with `chmod 600 " + file + "`");
        }
    }

    private static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) {
            bits |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", bits);
    }
}
