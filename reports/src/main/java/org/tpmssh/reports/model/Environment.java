package org.tpmssh.reports.model;

import java.util.List;

/**
 * Where a run happened: the versions that decide whether a combination works, null where a tool did not answer.
 *
 * @param tpms one entry per backend that reported its GetCapability identity
 */
public record Environment(
        String os,
        String kernel,
        String java,
        String openssh,
        String swtpm,
        String tpm2Tss,
        List<TpmInfo> tpms) {

    public Environment {
        tpms = tpms == null ? List.of() : List.copyOf(tpms);
    }

    /** A TPM's identity as GetCapability reports it, for one backend of the matrix. */
    public record TpmInfo(String backend, String manufacturer, String firmware, String spec) {}
}
