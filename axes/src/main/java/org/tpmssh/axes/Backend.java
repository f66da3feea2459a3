package org.tpmssh.axes;

import java.util.Optional;

/** The backend axis: the TPM a combination runs on. */
public enum Backend implements AxisValue {
    SWTPM_TCP(Use.DEFAULT, null, null),
    SWTPM_UNIX(Use.DEFAULT, null, null),
    /** The IBM simulator, {@code tpm_server}. */
    MSSIM(Use.DEFAULT, null, null),
    /** A TPM device, under the lab rules. */
    DEVICE(Use.DEFAULT, null, null),
    /**
     * This machine's swtpm and libtpms in a container; on request, since swtpm-tcp and swtpm-unix run the same
     * emulator (docs/containers.md, "Which rows run").
     */
    CONTAINER_HOST(Use.ON_REQUEST, "host", Family.CONTAINER),
    /** Debian testing's swtpm and libtpms in a container: the next emulator version, beside this machine's. */
    CONTAINER_TESTING(Use.DEFAULT, "testing", Family.CONTAINER),
    /** Debian 13's swtpm and libtpms in a container: Debian 12's upstream versions, rebuilt; run when named. */
    CONTAINER_TRIXIE(Use.ON_REQUEST, "trixie", null),
    /** A swtpm run under every device rule, to test the lab safety logic without a lab. */
    SWTPM_AS_DEVICE(Use.OPT_IN, null, null),
    /**
     * swtpm (on a unix socket) behind a private tpm2-abrmd on a private D-Bus: one TPM that every stack of the run
     * shares, as on a machine with a resource manager.
     */
    SWTPM_ABRMD(Use.ON_REQUEST, null, null);

    /** {@code container}: this machine's swtpm and Debian testing's, side by side. */
    public static final String CONTAINER_FAMILY = Family.CONTAINER;

    /** The family names, constants so that the enum's constructor calls can name them. */
    private static final class Family {
        static final String CONTAINER = "container";
    }

    private final Use use;
    private final String image;
    private final String family;

    Backend(Use use, String image, String family) {
        this.use = use;
        this.image = image;
        this.family = family;
    }

    @Override
    public Use use() {
        return use;
    }

    /**
     * For a container backend, the swtpm image it runs as {@code scripts/images/build.sh} names it: {@code host}
     * (this machine's swtpm) or a Debian suite; the image carries that name in its {@code org.tpmssh.image.source}
     * label.
     */
    public Optional<String> image() {
        return Optional.ofNullable(image);
    }

    @Override
    public Optional<String> family() {
        return Optional.ofNullable(family);
    }
}
