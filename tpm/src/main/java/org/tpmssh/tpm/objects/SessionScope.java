package org.tpmssh.tpm.objects;

/**
 * How long a {@link KeyRing}'s HMAC session lives. On a TPM without a resource manager a killed process leaves its
 * loaded sessions behind, and nothing can prove whose they are (three fill swtpm), so a process that may be killed
 * at any moment holds none between its calls.
 */
public enum SessionScope {
    /** A session per call, ended by that call's own command (continueSession clear): for one-shot CLI verbs. */
    PER_CALL,
    /** One session for the ring's life, started on first use: for servers that sign often (agent, PKCS#11). */
    PER_RING
}
