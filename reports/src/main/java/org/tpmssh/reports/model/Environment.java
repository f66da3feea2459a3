package org.tpmssh.reports.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a run happened: the versions that decide whether a combination works, null where a tool did not answer.
 *
 * @param tpms one entry per backend that reported its GetCapability identity
 * @param packages installed package name to its version, exactly as dpkg (or rpm) prints it, sorted by name; only
 *     packages that were found (or that the harness reported as "not installed")
 */
public record Environment(
        String os,
        String kernel,
        String java,
        String openssh,
        String swtpm,
        String tpm2Tss,
        List<TpmInfo> tpms,
        Map<String, String> packages) {

    public Environment {
        tpms = tpms == null ? List.of() : List.copyOf(tpms);
        packages = packages == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(packages));
    }

    /** An environment with no package versions. */
    public Environment(String os, String kernel, String java, String openssh, String swtpm, String tpm2Tss,
            List<TpmInfo> tpms) {
        this(os, kernel, java, openssh, swtpm, tpm2Tss, tpms, Map.of());
    }

    /**
     * A TPM's identity as GetCapability reports it, for one backend of the matrix.
     *
     * @param image for a container backend, the image and the emulator versions its labels name; else null
     */
    public record TpmInfo(String backend, String manufacturer, String firmware, String spec, Image image) {

        /** A TPM that ran in no container image. */
        public TpmInfo(String backend, String manufacturer, String firmware, String spec) {
            this(backend, manufacturer, firmware, spec, null);
        }
    }

    /**
     * The container image a TPM emulator ran in, as its labels name it: the image, the Debian release its packages
     * came from and the Debian versions of its swtpm and libtpms (null where a label was missing).
     */
    public record Image(String name, String debianRelease, String swtpm, String libtpms) {}
}
