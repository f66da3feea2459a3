package org.tpmssh.tpm.transport;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import org.tpmssh.tpm.transport.TransportException.Reason;

/**
 * The one check before anything is written to a device path: it must be a character device, and where sysfs
 * says which kernel class it belongs to, a TPM's ({@code tpm} or {@code tpmrm}). A typo must never overwrite a file.
 */
final class TpmDevicePath {

    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final Map<Integer, String> TYPES = Map.of(0100000, "a regular file", 0040000, "a directory",
            0010000, "a FIFO", 0140000, "a socket", 0060000, "a block device", 0120000, "a symbolic link");

    private TpmDevicePath() {
    }

    /** The real path to open, after following links; or the one sentence that says why this is not a TPM. */
    static Path require(Path path) throws TransportException {
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new TransportException(Reason.NO_DEVICE, "cannot open " + path + ": no such device. Is there a TPM"
                    + " with its driver loaded (ls /dev/tpm*)? Without one, use swtpm with"
                    + " TPMSSH_TCTI=swtpm:host=127.0.0.1,port=2321", e);
        } catch (AccessDeniedException e) {
            throw denied(path, e);
        } catch (IOException e) {
            throw new TransportException(Reason.OTHER, "cannot open " + path + ": " + e.getMessage(), e);
        }
        String shown = real.equals(path) ? path.toString() : path + " (a link to " + real + ")";
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(real, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return requireOther(real, shown);
        } catch (AccessDeniedException e) {
            throw denied(path, e);
        } catch (IOException e) {
            throw new TransportException(Reason.OTHER, "cannot inspect " + shown + ": " + e.getMessage(), e);
        }
        int type = (Integer) attributes.get("mode") & S_IFMT;
        if (type != S_IFCHR) {
            throw notATpm(shown, TYPES.getOrDefault(type, "not a device"));
        }
        long rdev = (Long) attributes.get("rdev");
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        Path subsystem = Path.of("/sys/dev/char", major + ":" + minor, "subsystem");
        String kernelClass;
        try {
            kernelClass = subsystem.toRealPath().getFileName().toString();
        } catch (IOException noSysfs) {
            return real; // no sysfs (a container, another kernel): a character device is as far as we can check
        }
        if (!kernelClass.equals("tpm") && !kernelClass.equals("tpmrm")) {
            throw notATpm(shown, "a character device of the kernel's \"" + kernelClass + "\" class");
        }
        return real;
    }

    /** Without the unix attribute view, "other" (device, FIFO, socket) is the best the JDK can tell. */
    private static Path requireOther(Path real, String shown) throws TransportException {
        try {
            BasicFileAttributes b = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!b.isOther()) {
                throw notATpm(shown, b.isDirectory() ? "a directory" : "a regular file");
            }
            return real;
        } catch (TransportException e) {
            throw e;
        } catch (IOException e) {
            throw new TransportException(Reason.OTHER, "cannot inspect " + shown + ": " + e.getMessage(), e);
        }
    }

    private static TransportException notATpm(String shown, String what) {
        return new TransportException(Reason.NOT_A_TPM, "refusing to use " + shown + " as a TPM: it is " + what
                + ", not a TPM character device such as /dev/tpmrm0, and nothing was written to it");
    }

    static TransportException denied(Path path, IOException e) {
        return new TransportException(Reason.DENIED, "cannot open " + path + ": permission denied. Add your user to"
                + " group `tss` (sudo usermod -aG tss $USER) and log in again", e);
    }
}
