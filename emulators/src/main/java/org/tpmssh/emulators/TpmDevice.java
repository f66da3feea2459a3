package org.tpmssh.emulators;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A TPM character device on this machine, found by a read-only presence check that never opens it, so
 * probing cannot change the TPM's state.
 *
 * @param path the device file, {@code /dev/tpmrm0} by preference
 */
public record TpmDevice(Path path) {

    public static final List<Path> CANDIDATES = List.of(Path.of("/dev/tpmrm0"), Path.of("/dev/tpm0"));

    /** What {@link #probe()} found: a usable device, or why there is none (a reason to skip a test). */
    public record Probe(Optional<TpmDevice> device, String reason) {
    }

    /** Looks for /dev/tpmrm0, then /dev/tpm0 (which has no kernel resource manager). */
    public static Probe probe() {
        return probe(CANDIDATES);
    }

    static Probe probe(List<Path> candidates) {
        List<String> reasons = new ArrayList<>();
        for (Path path : candidates) {
            if (!Files.exists(path)) {
                reasons.add(path + " does not exist");
            } else if (!Files.isReadable(path) || !Files.isWritable(path)) {
                reasons.add(path + " is not readable and writable by this user (add it to group tss)");
            } else {
                return new Probe(Optional.of(new TpmDevice(path)), "");
            }
        }
        return new Probe(Optional.empty(), "no usable TPM device: " + String.join("; ", reasons));
    }

    /** The tpm2-tss TCTI string, e.g. {@code device:/dev/tpmrm0}. */
    public String tcti() {
        return "device:" + path;
    }
}
