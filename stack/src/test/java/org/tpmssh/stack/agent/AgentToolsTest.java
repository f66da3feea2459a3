package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshCurve;

/**
 * The agent's key management driven by OpenSSH's own ssh-add, ssh-keygen and ssh-agent: adding
 * with lifetime and confirmation, removing, locking, peer credentials and proxying upstream.
 */
class AgentToolsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final List<AgentKey> supplied = new CopyOnWriteArrayList<>();
    private final List<SshAgentServer> agents = new ArrayList<>();
    private final AgentLogCapture log = new AgentLogCapture();

    @AfterEach
    void stop() {
        agents.forEach(SshAgentServer::close);
        assertThat(log.anyWithStackTrace()).as("stack traces in %s", log.messages()).isFalse();
        log.close();
    }

    private SshAgentServer agent(AgentOptions options) throws Exception {
        SshAgentServer agent = SshAgentServer.start(dir.resolve("a" + agents.size() + "/s"), () -> supplied, options);
        agents.add(agent);
        return agent;
    }

    private Path keygen(String type, String bits, String name) throws Exception {
        Path key = dir.resolve(name);
        run(Map.of(), "ssh-keygen", "-q", "-t", type, "-b", bits, "-N", "", "-C", name, "-f", key.toString())
                .assertOk();
        return key;
    }

    private Path script(String name, String body) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        return file;
    }

    private record Run(CommandResult result) {
        Run assertOk() {
            assertThat(result.exitCode()).as(result.describe()).isZero();
            return this;
        }

        int exit() {
            return result.exitCode();
        }

        String out() {
            return result.stdout() + result.stderr();
        }
    }

    private static Run run(Map<String, String> env, String... command) throws Exception {
        return new Run(CommandRunner.run(List.of(command), env, TIMEOUT));
    }

    private static Map<String, String> sock(SshAgentServer agent) {
        return Map.of("SSH_AUTH_SOCK", agent.socketPath().toString());
    }

    /** ssh-keygen -Y sign with only the .pub, so the agent signs; then an independent check. */
    private boolean signsAndVerifies(SshAgentServer agent, Path keyPub) throws Exception {
        // Away from its private key file, which ssh-keygen would otherwise use when the agent refuses.
        Path pub = Files.createDirectories(dir.resolve("pubs")).resolve("only.pub");
        Files.copy(keyPub, pub, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Path data = dir.resolve("data");
        Files.writeString(data, "to be signed\n");
        Files.deleteIfExists(dir.resolve("data.sig"));
        Run sign = run(sock(agent), "ssh-keygen", "-Y", "sign", "-f", pub.toString(), "-n", "file", data.toString());
        if (sign.exit() != 0) {
            return false;
        }
        CommandResult check = CommandRunner.run(List.of("ssh-keygen", "-Y", "check-novalidate", "-n", "file", "-f",
                pub.toString(), "-s", dir.resolve("data.sig").toString()), Map.of(), TIMEOUT, data);
        assertThat(check.exitCode()).as(check.describe()).isZero();
        return true;
    }

    @ParameterizedTest
    @CsvSource({"ecdsa, 256", "ecdsa, 384", "ecdsa, 521", "rsa, 2048", "rsa, 3072"})
    void sshAddedKeyIsListedSignsAndIsRemoved(String type, String bits) throws Exception {
        SshAgentServer agent = agent(AgentOptions.defaults());
        Path key = keygen(type, bits, "added");
        run(sock(agent), "ssh-add", key.toString()).assertOk();
        String pubLine = Files.readString(Path.of(key + ".pub")).trim();
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).containsExactly(pubLine);
        assertThat(signsAndVerifies(agent, Path.of(key + ".pub"))).isTrue();

        run(sock(agent), "ssh-add", "-d", key.toString()).assertOk();
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).isEmpty();
        assertThat(signsAndVerifies(agent, Path.of(key + ".pub"))).isFalse();
    }

    @Test
    void removeAllForgetsAddedKeysAndStopsOfferingSuppliedOnes() throws Exception {
        SshAgentServer agent = agent(AgentOptions.defaults());
        supplied.add(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "tpm stand-in"));
        run(sock(agent), "ssh-add", keygen("ecdsa", "256", "k1").toString()).assertOk();
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).hasSize(2);
        assertThat(run(sock(agent), "ssh-add", "-D").assertOk().out()).contains("All identities removed");
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).isEmpty();
    }

    @Test
    void lifetimeExpires() throws Exception {
        // The agent's clock decides whether a key is past its lifetime; this one moves only when told.
        Instant start = Instant.now();
        ManualClock clock = new ManualClock(start);
        SshAgentServer agent = agent(AgentOptions.builder().clock(clock).build());
        Path key = keygen("ecdsa", "256", "short");
        run(sock(agent), "ssh-add", "-t", "2", key.toString()).assertOk();
        clock.set(start.plusMillis(1999));
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).as("just before its lifetime ends").hasSize(1);
        clock.set(start.plusSeconds(2));
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).as("once its lifetime has passed").isEmpty();
        assertThat(log.messages()).anyMatch(m -> m.contains("reached its lifetime"));
    }

    @Test
    void lockAndUnlockWithAskpass() throws Exception {
        SshAgentServer agent = agent(AgentOptions.defaults());
        supplied.add(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "tpm stand-in"));
        Path key = keygen("ecdsa", "384", "lockme");
        run(sock(agent), "ssh-add", key.toString()).assertOk();
        Map<String, String> right = askpassEnv(agent, script("right", "echo 'correct horse'"));
        Map<String, String> wrong = askpassEnv(agent, script("wrong", "echo 'battery staple'"));

        run(right, "ssh-add", "-x").assertOk();
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).isEmpty();
        assertThat(signsAndVerifies(agent, Path.of(key + ".pub"))).isFalse();
        assertThat(run(right, "ssh-add", key.toString()).exit()).as("adding while locked").isNotZero();
        assertThat(run(wrong, "ssh-add", "-X").exit()).isNotZero();
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).isEmpty();

        run(right, "ssh-add", "-X").assertOk();
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).hasSize(2);
        assertThat(signsAndVerifies(agent, Path.of(key + ".pub"))).isTrue();
        assertThat(String.join("\n", log.messages())).doesNotContain("correct horse").doesNotContain("battery");
    }

    private Map<String, String> askpassEnv(SshAgentServer agent, Path askpass) {
        Map<String, String> env = new HashMap<>(sock(agent));
        env.put("SSH_ASKPASS", askpass.toString());
        env.put("SSH_ASKPASS_REQUIRE", "force");
        env.put("DISPLAY", ":0");
        return env;
    }

    @Test
    void confirmedKeyAsksTheAgentsAskpass() throws Exception {
        Path yes = script("yes", "[ \"$SSH_ASKPASS_PROMPT\" = confirm ] || exit 3; echo \"$1\" > "
                + dir.resolve("asked") + "; exit 0");
        Path no = script("no", "exit 1");
        SshAgentServer allowing = agent(AgentOptions.builder()
                .environment(Map.of("SSH_ASKPASS", yes.toString(), "SSH_ASKPASS_REQUIRE", "force")).build());
        SshAgentServer refusing = agent(AgentOptions.builder()
                .environment(Map.of("SSH_ASKPASS", no.toString(), "SSH_ASKPASS_REQUIRE", "force")).build());
        SshAgentServer noAskpass = agent(AgentOptions.builder().environment(Map.of()).build());
        Path key = keygen("ecdsa", "256", "confirm-me");
        Path pub = Path.of(key + ".pub");
        for (SshAgentServer agent : List.of(allowing, refusing, noAskpass)) {
            run(sock(agent), "ssh-add", "-c", key.toString()).assertOk();
        }
        assertThat(signsAndVerifies(allowing, pub)).isTrue();
        assertThat(Files.readString(dir.resolve("asked"))).contains("Allow use of key confirm-me?");
        assertThat(signsAndVerifies(refusing, pub)).isFalse();
        assertThat(signsAndVerifies(noAskpass, pub)).isFalse();
        assertThat(log.messages()).anyMatch(m -> m.contains("no askpass is available"));
    }

    @Test
    void ed25519IsRefusedWithAReason() throws Exception {
        SshAgentServer agent = agent(AgentOptions.defaults());
        Path key = dir.resolve("ed");
        run(Map.of(), "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()).assertOk();
        assertThat(run(sock(agent), "ssh-add", key.toString()).exit()).isNotZero();
        assertThat(log.messages()).anyMatch(m -> m.contains("ssh-ed25519") && m.contains("TPM 2.0 cannot hold it"));
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).isEmpty();
    }

    @Test
    void addedKeysCanBeRefusedByPolicy() throws Exception {
        SshAgentServer agent = agent(AgentOptions.builder().addedKeys(AddedKeyPolicy.refuseAll()).build());
        assertThat(run(sock(agent), "ssh-add", keygen("ecdsa", "256", "x").toString()).exit()).isNotZero();
        assertThat(log.messages()).anyMatch(m -> m.contains("tpmssh key import"));
    }

    @Test
    void anotherUserIsRefusedByPeerCredentials() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run a client as nobody");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
        SshAgentServer agent = agent(AgentOptions.defaults());
        supplied.add(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "mine"));
        // Open the path so that only SO_PEERCRED stands between nobody and the agent.
        for (Path p = agent.socketPath().getParent(); p.startsWith(dir.getParent()); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        Files.setPosixFilePermissions(agent.socketPath(), PosixFilePermissions.fromString("rw-rw-rw-"));
        Run asNobody = run(sock(agent), "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "ssh-add", "-l");
        assertThat(asNobody.exit()).as(asNobody.out()).isNotZero();
        assertThat(asNobody.out()).doesNotContain("SHA256:");
        assertThat(log.messages()).anyMatch(m -> m.contains("refused a connection from user nobody"));
        assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).hasSize(1); // root still served
    }

    @Test
    void proxiesToARealOpenSshAgent() throws Exception {
        Path upstreamSocket = dir.resolve("up/agent.sock");
        Files.createDirectories(upstreamSocket.getParent());
        Process sshAgent = ChildProcesses.start(new ProcessBuilder("ssh-agent", "-D", "-a", upstreamSocket.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("ssh-agent.log").toFile()));
        try {
            for (int i = 0; i < 100 && !Files.exists(upstreamSocket); i++) {
                Thread.sleep(50);
            }
            assertThat(upstreamSocket).exists();
            Path upKey = keygen("ecdsa", "256", "upstream-key");
            run(Map.of("SSH_AUTH_SOCK", upstreamSocket.toString()), "ssh-add", upKey.toString()).assertOk();
            SoftwareAgentKey ours = SoftwareAgentKey.ecdsa(SshCurve.NISTP384, "ours");
            supplied.add(ours);

            SshAgentServer agent = agent(AgentOptions.builder().upstream(upstreamSocket).build());
            assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).containsExactly(ours.authorizedKeysLine(),
                    Files.readString(Path.of(upKey + ".pub")).trim());
            assertThat(signsAndVerifies(agent, Path.of(upKey + ".pub"))).isTrue();
            Path ourPub = dir.resolve("ours.pub");
            Files.writeString(ourPub, ours.authorizedKeysLine() + "\n");
            assertThat(signsAndVerifies(agent, ourPub)).isTrue();
        } finally {
            sshAgent.destroy();
            if (!sshAgent.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                sshAgent.destroyForcibly().waitFor();
            }
        }
    }
}
