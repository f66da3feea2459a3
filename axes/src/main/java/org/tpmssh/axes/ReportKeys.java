package org.tpmssh.axes;

/** The JUnit report entries a matrix run publishes and the reports and the cli read, besides each axis's own. */
public final class ReportKeys {
    /** Every entry's prefix; the reports keep only entries that start with it. */
    public static final String PREFIX = "tpmssh.";
    /** A combination's id, e.g. {@code swtpm-tcp|java|openssh|ecc-p256|created}. */
    public static final String COMBINATION = PREFIX + "combination";
    public static final String TPM_MANUFACTURER = PREFIX + "tpm.manufacturer";
    public static final String TPM_FIRMWARE = PREFIX + "tpm.firmware";
    public static final String TPM_SPEC = PREFIX + "tpm.spec";
    /**
     * Prefix of an installed package's version, e.g. {@code tpmssh.package.libtpm2-pkcs11-1=1.9.0-0.1+deb12u1}
     * (dpkg's or rpm's exact string); the reports add it to the run's environment.
     */
    public static final String PACKAGE_PREFIX = PREFIX + "package.";
    /** A container backend's image, and what its labels say: Debian release, swtpm and libtpms package versions. */
    public static final String TPM_IMAGE = PREFIX + "tpm.image";
    public static final String TPM_IMAGE_DEBIAN = TPM_IMAGE + ".debian";
    public static final String TPM_IMAGE_SWTPM = TPM_IMAGE + ".swtpm";
    public static final String TPM_IMAGE_LIBTPMS = TPM_IMAGE + ".libtpms";
    /** Prefix of files kept for a test, named after what follows it. */
    public static final String ATTACHMENT_PREFIX = PREFIX + "attachment.";
    /** The path of a failed test's sshd DEBUG3 log. */
    public static final String SSHD_LOG = ATTACHMENT_PREFIX + "sshd-log";
    /** How many invocations a matrix scenario will run, published before its first one. */
    public static final String INVOCATIONS = PREFIX + "matrix.invocations";

    private ReportKeys() {
    }
}
