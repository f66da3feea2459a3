package org.tpmssh.axes;

/** The backend axis: the TPM a combination runs on. */
public enum Backend implements AxisValue {
    SWTPM_TCP(Use.DEFAULT),
    SWTPM_UNIX(Use.DEFAULT),
    /** The IBM simulator, {@code tpm_server}. */
    MSSIM(Use.DEFAULT),
    /** A TPM device, under the lab rules. */
    DEVICE(Use.DEFAULT),
    /** swtpm in a container, through Testcontainers. */
    CONTAINER(Use.DEFAULT),
    /** A swtpm run under every device rule, to test the lab safety logic without a lab. */
    SWTPM_AS_DEVICE(Use.OPT_IN),
    /**
     * swtpm (on a unix socket) behind a private tpm2-abrmd on a private D-Bus: one TPM that every stack of the run
     * shares, as on a machine with a resource manager.
     */
    SWTPM_ABRMD(Use.ON_REQUEST);

    private final Use use;

    Backend(Use use) {
        this.use = use;
    }

    @Override
    public Use use() {
        return use;
    }
}
