package org.tpmssh.reports.listener;

/**
 * The JUnit report-entry keys the harness publishes and the reports read: the contract between the two
 * modules, written down once.
 */
public final class ReportKeys {
    public static final String PREFIX = "tpmssh.";
    public static final String COMBINATION = "tpmssh.combination";
    public static final String BACKEND = "tpmssh.backend";
    public static final String STACK = "tpmssh.stack";
    public static final String SERVER = "tpmssh.server";
    public static final String CLIENT = "tpmssh.client";
    public static final String KEY = "tpmssh.key";
    public static final String ORIGIN = "tpmssh.origin";
    public static final String TPM_MANUFACTURER = "tpmssh.tpm.manufacturer";
    public static final String TPM_FIRMWARE = "tpmssh.tpm.firmware";
    public static final String TPM_SPEC = "tpmssh.tpm.spec";
    /** Prefix of attachments: {@code tpmssh.attachment.sshd-log} = path of the sshd DEBUG3 log. */
    public static final String ATTACHMENT_PREFIX = "tpmssh.attachment.";

    /** The axes in the order they appear in a combination string. */
    public static final String[] AXES = {BACKEND, STACK, SERVER, CLIENT, KEY, ORIGIN};

    private ReportKeys() {}

    /** {@code tpmssh.backend} -> {@code backend}. */
    public static String axisName(String key) {
        return key.substring(PREFIX.length());
    }
}
