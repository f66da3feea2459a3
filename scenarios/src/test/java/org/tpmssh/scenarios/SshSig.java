package org.tpmssh.scenarios;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/**
 * OpenSSH's own SSH signatures as the oracle: {@code ssh-keygen -Y sign} through an agent, and
 * {@code ssh-keygen -Y verify} against an allowed-signers file that pins one public key, so a signature counts
 * only if that key made it (check-novalidate would trust whatever key the signature carries).
 */
final class SshSig {
    static final String NAMESPACE = "file";
    private static final String PRINCIPAL = "tpmssh-signer";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private SshSig() {
    }

    /** Signs {@code data} through the agent on {@code agentSocket} with the key of {@code publicLine}; the .sig file. */
    static CommandResult sign(Path agentSocket, String publicLine, Path data, Path dir) throws Exception {
        Path pub = Files.writeString(Files.createTempFile(dir, "signer", ".pub"), publicLine + "\n");
        return CommandRunner.run(List.of("ssh-keygen", "-Y", "sign", "-f", pub.toString(), "-n", NAMESPACE,
                data.toString()), Map.of("SSH_AUTH_SOCK", agentSocket.toString()), TIMEOUT);
    }

    /** Verifies {@code data}'s signature ({@code data}.sig) against {@code publicLine} and no other key. */
    static CommandResult verify(String publicLine, Path data, Path dir) throws Exception {
        String[] typeAndKey = publicLine.trim().split("\\s+");
        Path allowed = Files.writeString(Files.createTempFile(dir, "allowed_signers", ""),
                PRINCIPAL + " " + typeAndKey[0] + " " + typeAndKey[1] + "\n");
        return CommandRunner.run(List.of("ssh-keygen", "-Y", "verify", "-f", allowed.toString(), "-I", PRINCIPAL,
                "-n", NAMESPACE, "-s", data + ".sig"), Map.of(), TIMEOUT, data);
    }
}
