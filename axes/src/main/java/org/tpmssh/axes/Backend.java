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
    SWTPM_AS_DEVICE(Use.OPT_IN);

    private final Use use;

    Backend(Use use) {
        this.use = use;
    }

    @Override
    public Use use() {
        return use;
    }
}
