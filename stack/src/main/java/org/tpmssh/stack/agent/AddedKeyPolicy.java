package org.tpmssh.stack.agent;

import java.security.KeyPair;
import org.tpmssh.stack.ssh.AgentKey;

/**
 * Decides what becomes of a private key that {@code ssh-add} sends to the agent; the default holds it in
 * memory, as OpenSSH's agent does (docs/agent.md).
 */
@FunctionalInterface
public interface AddedKeyPolicy {

    /**
     * @param pair an ECDSA (P-256/384/521) or RSA key pair, checked to belong together
     * @param comment what ssh-add sent as the comment, usually the file name
     * @return the identity to offer; if it is {@link AutoCloseable} the agent closes it when the
     *     key is removed, expires or the agent stops
     * @throws AddedKeyRefusedException to answer SSH_AGENT_FAILURE; the message is logged
     */
    AgentKey admit(KeyPair pair, String comment) throws AddedKeyRefusedException;

    /** Software keys in memory, forgotten on removal, expiry or close. */
    static AddedKeyPolicy inMemory() {
        return MemoryKey::new;
    }

    /** Refuses every added key, for an agent that must serve TPM keys only. */
    static AddedKeyPolicy refuseAll() {
        return (pair, comment) -> {
            throw new AddedKeyRefusedException("this agent serves TPM keys only; import the key with"
                    + " `tpmssh key import` instead of ssh-add");
        };
    }
}
