package org.tpmssh.sshserver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Drives the real OpenSSH {@code ssh} against a server under test with only one agent's keys and
 * a known_hosts of its own; it never reads or writes ~/.ssh.
 */
public final class OpenSshClient {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final int CONNECT_TIMEOUT_SECONDS = 10;

    private final SshServerUnderTest server;
    private final Path knownHosts;
    private final Duration timeout;

    /**
     * @param workDir a directory of this test's own; holds the client's own known_hosts
     */
    public OpenSshClient(Path workDir, SshServerUnderTest server) throws IOException {
        this(workDir, server, DEFAULT_TIMEOUT);
    }

    public OpenSshClient(Path workDir, SshServerUnderTest server, Duration timeout) throws IOException {
        this(workDir, server, List.of(server.knownHostsLine()), timeout);
    }

    /**
     * A client that trusts exactly {@code knownHostsLines} (e.g. the TPM host public key as
     * {@code [127.0.0.1]:port ecdsa-sha2-nistp256 AAAA…}), checked with StrictHostKeyChecking=yes: a server
     * presenting any other host key is refused before authentication.
     */
    public OpenSshClient(Path workDir, SshServerUnderTest server, List<String> knownHostsLines, Duration timeout)
            throws IOException {
        this.server = server;
        Files.createDirectories(workDir);
        this.knownHosts = workDir.resolve("known_hosts");
        this.timeout = timeout;
        Files.writeString(knownHosts, knownHostsLines.isEmpty() ? "" : String.join("\n", knownHostsLines) + "\n");
    }

    /** The known_hosts file this client trusts; nothing else is consulted. */
    public Path knownHosts() {
        return knownHosts;
    }

    /** Logs in as the current user and runs {@code remoteCommand} (e.g. {@code true}). */
    public CommandResult run(Path agentSocket, String... remoteCommand) throws SshProcessException {
        return run(agentSocket, List.of(), remoteCommand);
    }

    /** As {@link #run(Path, String...)}, with extra ssh arguments such as {@code -v}. */
    public CommandResult run(Path agentSocket, List<String> extraArguments, String... remoteCommand)
            throws SshProcessException {
        List<String> command = new ArrayList<>(command(agentSocket));
        command.addAll(command.size() - 1, extraArguments);
        command.addAll(List.of(remoteCommand));
        return CommandRunner.run(command, Map.of("SSH_AUTH_SOCK", agentSocket.toString()), timeout);
    }

    /** The ssh command line up to the destination, without a remote command; for logs and tests. */
    public List<String> command(Path agentSocket) {
        return List.of("ssh",
                // No ~/.ssh/config and no /etc/ssh/ssh_config; also stops ssh creating ~/.ssh.
                "-F", "none",
                "-p", Integer.toString(server.port()),
                "-l", System.getProperty("user.name"),
                "-o", "BatchMode=yes",
                "-o", "ConnectTimeout=" + CONNECT_TIMEOUT_SECONDS,
                "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + knownHosts,
                "-o", "GlobalKnownHostsFile=/dev/null",
                // Learning host keys would write to known_hosts; the test's trust must stay fixed.
                "-o", "UpdateHostKeys=no",
                "-o", "CheckHostIP=no",
                // Only the agent's keys: otherwise ssh tries ~/.ssh/id_* of the passwd home, which neither
                // $HOME nor -F none changes. OpenSSH 9.2 accepts "none" and then loads no file at all,
                // whereas a nonexistent path is still "attempted" and adds noise to stderr.
                "-o", "IdentityFile=none",
                "-o", "IdentitiesOnly=no",
                "-o", "IdentityAgent=" + agentSocket,
                "-o", "PreferredAuthentications=publickey",
                "-o", "PasswordAuthentication=no",
                "-o", "KbdInteractiveAuthentication=no",
                "-o", "ControlMaster=no",
                "-o", "ControlPath=none",
                "-o", "ForwardAgent=no",
                "-T",
                server.host());
    }

    /**
     * The ssh command line, up to the destination, that signs with a PKCS#11 module ({@code ssh -I})
     * instead of an agent. Only the keys whose public halves {@code identityFiles} hold are offered
     * (IdentitiesOnly=yes drops the module's others), and BatchMode is off so that ssh may ask for the
     * PIN, through SSH_ASKPASS when stdin is not a terminal.
     */
    public List<String> pkcs11Command(Path module, List<Path> identityFiles) {
        List<String> command = new ArrayList<>();
        List<String> base = command(Path.of("none"));
        for (int i = 0; i < base.size() - 1; i++) {
            String arg = base.get(i);
            if (arg.equals("-o") && base.get(i + 1).equals("IdentityFile=none")) {
                i++;
                continue;
            }
            command.add(switch (arg) {
                case "BatchMode=yes" -> "BatchMode=no";
                case "IdentitiesOnly=no" -> "IdentitiesOnly=yes";
                default -> arg;
            });
        }
        command.addAll(List.of("-o", "PKCS11Provider=" + module));
        for (Path pub : identityFiles) {
            command.addAll(List.of("-o", "IdentityFile=" + pub));
        }
        command.add(server.host());
        return command;
    }

    /**
     * Logs in with {@code ssh -I module} ({@link #pkcs11Command}) and runs {@code remoteCommand}, offering only the
     * keys of {@code publicKeyLines} (written as {@code .pub} files beside known_hosts), with {@code environment}
     * (what the module needs to find its tokens, and SSH_ASKPASS) and {@code extraArguments} such as {@code -v}.
     */
    public CommandResult runWithModule(Path module, List<String> publicKeyLines, Map<String, String> environment,
            List<String> extraArguments, String... remoteCommand) throws IOException {
        List<Path> pubs = new ArrayList<>();
        for (int i = 0; i < publicKeyLines.size(); i++) {
            pubs.add(Files.writeString(knownHosts.resolveSibling("pkcs11-" + i + ".pub"),
                    publicKeyLines.get(i) + "\n"));
        }
        List<String> command = new ArrayList<>(pkcs11Command(module, pubs));
        command.addAll(command.size() - 1, extraArguments);
        command.addAll(List.of(remoteCommand));
        return CommandRunner.run(command, environment, timeout);
    }

    /** The agent's identities as {@code ssh-add -L} prints them; empty when it holds none. */
    public static List<String> listAgentKeys(Path agentSocket) throws SshProcessException {
        CommandResult result = CommandRunner.run(List.of("ssh-add", "-L"),
                Map.of("SSH_AUTH_SOCK", agentSocket.toString()), DEFAULT_TIMEOUT);
        if (result.exitCode() == 1 && result.stdout().contains("no identities")) {
            return List.of();
        }
        if (!result.succeeded()) {
            throw new SshProcessException("ssh-add -L against " + agentSocket + " failed: " + result.describe());
        }
        return result.stdout().lines().filter(line -> !line.isBlank()).toList();
    }
}
