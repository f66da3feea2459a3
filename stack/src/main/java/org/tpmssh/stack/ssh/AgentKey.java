package org.tpmssh.stack.ssh;

/**
 * One identity an ssh-agent offers: its SSH public key blob and a way to sign with it; implementations must
 * allow parallel calls (docs/agent.md).
 */
public interface AgentKey {

    /** Sign flag: an RSA key must sign with {@code rsa-sha2-256}. Ignored by ECDSA keys. */
    int SSH_AGENT_RSA_SHA2_256 = 2;
    /** Sign flag: an RSA key must sign with {@code rsa-sha2-512}. Ignored by ECDSA keys. */
    int SSH_AGENT_RSA_SHA2_512 = 4;

    /** The SSH public key blob (RFC 4253 section 6.6); the agent matches sign requests on it. */
    byte[] publicKeyBlob();

    /** Shown by {@code ssh-add -L}; typically where the key lives, never anything secret. */
    String comment();

    /**
     * Signs {@code data} as SSH does for this key type and returns the whole SSH signature blob
     * ({@code string algorithm, string signature}).
     *
     * @param flags the SSH_AGENT_RSA_SHA2_* bits of the request; an RSA key with neither set
     *     signs with {@code ssh-rsa} (SHA-1)
     * @throws AgentSignException when the key cannot sign now (TPM unreachable, key not loaded,
     *     flags it cannot honour); the client is told SSH_AGENT_FAILURE
     */
    byte[] sign(byte[] data, int flags) throws AgentSignException;
}
