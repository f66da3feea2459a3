package org.tpmssh.sshserver;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A host key whose private half an ssh-agent holds (for tpmssh, in the TPM): sshd reads only the
 * public key ({@code HostKey}) and asks the agent at {@code HostKeyAgent} to sign.
 *
 * @param publicKeyLine the host public key as {@code type base64 [comment]}
 * @param agentSocket the agent's unix socket
 */
public record AgentHostKey(String publicKeyLine, Path agentSocket) {

    public AgentHostKey {
        Objects.requireNonNull(publicKeyLine, "publicKeyLine");
        Objects.requireNonNull(agentSocket, "agentSocket");
        if (publicKeyLine.isBlank() || publicKeyLine.contains("\n")) {
            throw new IllegalArgumentException("the host public key must be one line: type base64 [comment]");
        }
    }

    /** {@code type base64}, without a comment, as {@link SshServerUnderTest#hostPublicKeyLine()} promises. */
    String typeAndKey() {
        String[] parts = publicKeyLine.trim().split("\\s+");
        return parts[0] + " " + parts[1];
    }
}
