package org.tpmssh.stack.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.stack.fuzz.RecordingProxy;
import org.tpmssh.stack.fuzz.Seeds;

/**
 * Writes the seed inputs of {@link AgentProtocolFuzzTest}: real ssh-add, ssh-keygen -Y sign and ssh logins talk to
 * our agent (offering the fuzz target's test keys) through a recording proxy socket, and each client connection's
 * bytes become one seed. Run by hand (docs/fuzzing.md) with the resources directory of this package as argument.
 */
public final class AgentSessionSeeds {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private RecordingProxy proxy;

    public static void main(String[] args) throws Exception {
        Seeds.inScratch("agent-seeds", work -> record(args, work));
    }

    private static void record(String[] args, Path work) throws Exception {
        Path out = Path.of(args[0]).resolve("AgentProtocolFuzzTestInputs/connection");
        Files.createDirectories(out);
        Path keys = work.resolve("keys");
        Files.createDirectories(keys);
        for (String name : List.of("ecdsa-p256", "rsa-2048", "added-ecdsa-p384", "added-rsa-2048")) {
            for (String suffix : List.of("", ".pub")) {
                Path copy = keys.resolve(name + suffix);
                Files.copy(AgentProtocolFuzzTest.keyFile(name + suffix), copy, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
            }
        }
        Path askpass = work.resolve("askpass");
        Files.writeString(askpass, "#!/bin/sh\necho 'fuzz lock passphrase'\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        Path data = work.resolve("data");
        Files.writeString(data, "signed by the agent for a fuzz seed\n");

        AgentSessionSeeds seeds = new AgentSessionSeeds();
        try (SshAgentServer agent = SshAgentServer.start(work.resolve("agent/s"), () -> AgentProtocolFuzzTest.KEYS)) {
            Path proxy = work.resolve("proxy/s");
            Files.createDirectories(proxy.getParent());
            seeds.proxy = RecordingProxy.start(proxy, agent.socketPath());
            Map<String, String> env = Map.of("SSH_AUTH_SOCK", proxy.toString(), "SSH_ASKPASS", askpass.toString(),
                    "SSH_ASKPASS_REQUIRE", "force");
            seeds.step(out, "ssh-add-list", env, "ssh-add", "-l");
            seeds.step(out, "ssh-add-list-public", env, "ssh-add", "-L");
            seeds.step(out, "ssh-add-ecdsa-p384", env, "ssh-add", keys.resolve("added-ecdsa-p384").toString());
            seeds.step(out, "ssh-add-rsa-confirm-lifetime", env, "ssh-add", "-c", "-t", "60",
                    keys.resolve("added-rsa-2048").toString());
            seeds.step(out, "ssh-add-remove", env, "ssh-add", "-d", keys.resolve("added-ecdsa-p384").toString());
            seeds.step(out, "ssh-keygen-sign-ecdsa", env, "ssh-keygen", "-Y", "sign", "-U", "-n", "file", "-f",
                    keys.resolve("ecdsa-p256.pub").toString(), data.toString());
            seeds.step(out, "ssh-keygen-sign-rsa", env, "ssh-keygen", "-Y", "sign", "-U", "-n", "file", "-f",
                    keys.resolve("rsa-2048.pub").toString(), data.toString());
            for (String key : List.of("ecdsa-p256", "rsa-2048")) {
                String line = Files.readString(keys.resolve(key + ".pub")).trim();
                try (OpenSshServer sshd = OpenSshServer.start(work.resolve("sshd-" + key), List.of(line))) {
                    OpenSshClient ssh = new OpenSshClient(work.resolve("client-" + key), sshd);
                    int before = seeds.proxy.count();
                    CommandResult login = ssh.run(proxy, "true");
                    seeds.save(out, "ssh-login-" + key, before, login);
                }
            }
            seeds.step(out, "ssh-add-remove-all", env, "ssh-add", "-D");
            seeds.step(out, "ssh-add-lock", env, "ssh-add", "-x");
            seeds.step(out, "ssh-add-unlock", env, "ssh-add", "-X");
        }
    }

    private void step(Path out, String name, Map<String, String> env, String... command) throws Exception {
        int before = proxy.count();
        CommandResult result = CommandRunner.run(List.of(command), env, TIMEOUT);
        save(out, name, before, result);
    }

    private void save(Path out, String name, int before, CommandResult result) throws Exception {
        if (!result.succeeded()) {
            throw new IllegalStateException(name + ": " + result.describe());
        }
        List<byte[]> mine = proxy.sentSince(before);
        for (int i = 0; i < mine.size(); i++) {
            Seeds.write(out, mine.size() == 1 ? name : name + "-" + (i + 1), null, mine.get(i));
        }
    }
}
