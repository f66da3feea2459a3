package org.tpmssh.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.KeyAlgorithm;
import org.tpmssh.axes.Origin;
import org.tpmssh.axes.Server;
import org.tpmssh.harness.matrix.LoginDiagnosis;
import org.tpmssh.harness.matrix.MatrixRun;
import org.tpmssh.harness.matrix.TpmMatrix;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.SshServerUnderTest;

/**
 * What {@code ssh-add} asks of the stack's agent holds: a key added with a lifetime goes when it ends, a locked
 * agent signs nothing until it is unlocked, and a key added for confirmation is not used unconfirmed.
 */
@DisplayName("The agent keeps ssh-add's constraints")
class AgentConstraintsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int LIFETIME_SECONDS = 2;
    /** How long past its lifetime a key may still be listed: the agent's timer, on a busy machine. */
    private static final Duration GRACE = Duration.ofSeconds(15);

    @TpmMatrix(keys = KeyAlgorithm.ECC_P256, origins = Origin.CREATED, servers = Server.OPENSSH,
            clients = Client.SSH_AGENT)
    @DisplayName("a key added with ssh-add -t is forgotten when its lifetime ends")
    void aKeyAddedWithALifetimeIsForgottenWhenItEnds(MatrixRun run) throws Exception {
        Path file = softwareKey(run, "lifetime");
        try (StackAdapter.Agent agent = run.agent(List.of())) {
            sshAdd(agent, Map.of(), "-t", String.valueOf(LIFETIME_SECONDS), file.toString());
            assertThat(OpenSshClient.listAgentKeys(agent.socketPath())).as("the key just added").hasSize(1);
            long deadline = System.nanoTime() + Duration.ofSeconds(LIFETIME_SECONDS).plus(GRACE).toNanos();
            List<String> listed = OpenSshClient.listAgentKeys(agent.socketPath());
            while (!listed.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                listed = OpenSshClient.listAgentKeys(agent.socketPath());
            }
            assertThat(listed).as("the agent ignored the lifetime: it still offers a key added with ssh-add -t %d,"
                    + " %d s after that ended", LIFETIME_SECONDS, GRACE.toSeconds()).isEmpty();
        }
    }

    @TpmMatrix(keys = KeyAlgorithm.ECC_P256, origins = Origin.CREATED, servers = Server.OPENSSH,
            clients = Client.SSH_AGENT)
    @DisplayName("a locked agent signs nothing until it is unlocked")
    void aLockedAgentSignsNothingUntilUnlocked(MatrixRun run) throws Exception {
        StackAdapter.Key key = run.key("tpmssh-lock");
        SshServerUnderTest server = run.server(List.of(key.authorizedKeysLine()));
        // ssh-add -x and -X read the lock password through askpass: this one always answers the same.
        Path askpass = Files.writeString(run.workDir().resolve("askpass"), "#!/bin/sh\necho lock-password-1\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> withAskpass = Map.of("SSH_ASKPASS", askpass.toString(), "SSH_ASKPASS_REQUIRE", "force");
        try (StackAdapter.Agent agent = run.agent(List.of(key))) {
            sshAdd(agent, withAskpass, "-x");
            CommandResult locked = run.login(server, agent, null, null, false);
            assertThat(locked.succeeded()).as(() -> "the agent ignored the lock: a locked agent signed a login\n"
                    + locked.describe()).isFalse();
            sshAdd(agent, withAskpass, "-X");
            CommandResult unlocked = run.login(server, agent, null, null, false);
            assertThat(unlocked.succeeded()).as(() -> "after ssh-add -X: " + LoginDiagnosis.explain(unlocked))
                    .isTrue();
        }
    }

    @TpmMatrix(keys = KeyAlgorithm.ECC_P256, origins = Origin.CREATED, servers = Server.OPENSSH,
            clients = Client.SSH_AGENT)
    @DisplayName("a key added with ssh-add -c is not used when nobody can confirm")
    void aKeyAddedForConfirmationIsNotUsedUnconfirmed(MatrixRun run) throws Exception {
        Path file = softwareKey(run, "confirm");
        SshServerUnderTest server = run.server(List.of(Files.readString(Path.of(file + ".pub")).trim()));
        try (StackAdapter.Agent agent = run.agent(List.of())) {
            sshAdd(agent, Map.of(), "-c", file.toString());
            // The agent was started with no askpass, so no one can say yes.
            CommandResult r = run.login(server, agent, null, null, false);
            assertThat(r.succeeded()).as(() -> "the agent ignored ssh-add -c: it signed a login that nobody"
                    + " confirmed\n" + r.describe()).isFalse();
        }
    }

    private static Path softwareKey(MatrixRun run, String name) throws Exception {
        Path file = Files.createTempDirectory(run.workDir(), "software-key").resolve("id_" + name);
        CommandResult keygen = CommandRunner.run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "",
                "-C", "tpmssh-" + name, "-f", file.toString()), Map.of(), TIMEOUT);
        assertThat(keygen.succeeded()).as(keygen::describe).isTrue();
        return file;
    }

    private static void sshAdd(StackAdapter.Agent agent, Map<String, String> environment, String... args)
            throws Exception {
        Map<String, String> env = new java.util.HashMap<>(environment);
        env.put("SSH_AUTH_SOCK", agent.socketPath().toString());
        List<String> command = new java.util.ArrayList<>(List.of("ssh-add"));
        command.addAll(List.of(args));
        CommandResult r = CommandRunner.run(command, env, TIMEOUT);
        assertThat(r.succeeded()).as(() -> String.join(" ", command) + " failed: " + r.describe()).isTrue();
    }
}
