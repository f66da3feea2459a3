package org.tpmssh.cli.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.cli.keys.Cli;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;

/**
 * One swtpm behind tpm2-abrmd shared by every client, as a user runs them with {@code --tcti
 * tabrmd:bus_type=session}: first issue 11's "done when" (key create while an agent serves, two agents that both log
 * in, tpm2-pkcs11's {@code ssh -I} in the same minute), then all of them at once for a bounded time, with 0 failed
 * signatures (see docs/shared-tpm.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedTpmTest {
    /** How long the clients run at once: 30 s in mvn verify; scripts/shared-tpm-soak.sh runs it for minutes. */
    private static final Duration SOAK = Duration.ofSeconds(Long.getLong("tpmssh.soak.seconds", 30));
    private static final String PIN = "shared-pin-8642";

    @TempDir
    static Path dir;

    private SharedSimulator tpm;
    private OpenSshServer sshd;
    private OpenSshClient ssh;
    private Path pinFile;
    private String laptop;
    private String deploy;
    private SharedSimulator.Tpm2Pkcs11Store p11;
    private final List<Long> pids = new ArrayList<>();

    @BeforeAll
    void oneTpmBehindTpm2AbrmdWithTokensKeysAndAnSshd() throws Exception {
        Optional<String> missing = SharedSimulator.unavailable();
        assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
        pinFile = Cli.secretFile(dir, "user.pin", PIN);
        Path soFile = Cli.secretFile(dir, "so.pin", "so-" + PIN);
        tpm = SharedSimulator.start(dir);
        ok(tpm.tpmssh("token", "init", "--label", "work", "--user-pin-file", pinFile.toString(), "--so-pin-file",
                soFile.toString()));
        ok(tpm.tpmssh("token", "init", "--label", "ci", "--no-user-pin"));
        ok(tpm.tpmssh("token", "init", "--label", "churn", "--no-user-pin"));
        ok(tpm.tpmssh("key", "create", "--token", "work", "--label", "laptop", "--algorithm", "ecc-p256",
                "--pin-file", pinFile.toString()));
        ok(tpm.tpmssh("key", "create", "--token", "ci", "--label", "deploy", "--algorithm", "rsa-2048"));
        laptop = ok(tpm.tpmssh("key", "pub", "--token", "work", "--label", "laptop")).stdout().strip();
        deploy = ok(tpm.tpmssh("key", "pub", "--token", "ci", "--label", "deploy")).stdout().strip();
        p11 = tpm.tpm2Pkcs11Store(PIN, "ecc256");
        sshd = OpenSshServer.start(dir.resolve("sshd"), List.of(laptop, deploy, p11.authorizedKeysLine()));
        ssh = new OpenSshClient(dir.resolve("client"), sshd);
    }

    @AfterAll
    void everyProcessIsReaped() throws Exception {
        if (tpm != null) {
            pids.addAll(tpm.pids());
        }
        try {
            if (sshd != null) {
                pids.add(sshd.pid());
                sshd.close();
            }
        } finally {
            if (tpm != null) {
                tpm.close();
            }
        }
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("process %d after the test", pid)
                    .isEmpty();
        }
    }

    @Test
    @Order(1)
    void keyCreateWhileAnAgentServesTwoAgentsAndSshDashIAllOnOneTpmInOneMinute() throws Exception {
        long start = System.nanoTime();
        List<String> transcript = new ArrayList<>();
        try (SharedSimulator.Agent first = tpm.agent("first", "--token", "work", "--pin-file", pinFile.toString())) {
            transcript.add(login("agent 1 (token work, PIN key)", ssh.run(first.socket(), "true"), first));

            // The first symptom: key create hung for good while an agent served.
            transcript.add(step("tpmssh key create while agent 1 serves", ok(tpm.tpmssh("key", "create",
                    "--token", "ci", "--label", "while-serving", "--algorithm", "ecc-p256"))));
            transcript.add(login("agent 1 again, after key create", ssh.run(first.socket(), "true"), first));

            // Its second: two agents on one swtpm, and every login of the second failed.
            try (SharedSimulator.Agent second = tpm.agent("second", "--token", "ci")) {
                transcript.add(login("agent 2 (token ci, PIN-less key)", ssh.run(second.socket(), "true"), second));
                transcript.add(login("agent 1 beside agent 2", ssh.run(first.socket(), "true"), first));

                // tpm2-pkcs11 through ssh -I, on the same TPM, while both agents hold their connections.
                CommandResult sshI = sshDashI();
                assertThat(sshI.succeeded()).as("ssh -I %s: %s", p11.module(), sshI.describe()).isTrue();
                transcript.add(step("ssh -I " + p11.module().getFileName() + " (tpm2-pkcs11)", sshI));
                transcript.add(login("agent 2 after ssh -I", ssh.run(second.socket(), "true"), second));
                assertThat(first.log() + second.log()).doesNotContain(PIN).doesNotContain("\tat ");
            }
        }
        Duration span = Duration.ofNanos(System.nanoTime() - start);
        transcript.forEach(System.out::println);
        System.out.printf("all of it on one TPM behind tpm2-abrmd in %d ms%n", span.toMillis());
        assertThat(span).as("the same minute").isLessThan(Duration.ofMinutes(1));
    }

    @Test
    @Order(2)
    void everyClientAtOnceForABoundedTimeWithNoFailedSignature() throws Exception {
        Counts counts = new Counts();
        // One file per agent: ssh-keygen -Y sign writes FILE.sig beside it.
        Path data1 = Files.writeString(dir.resolve("signed-1.txt"), "signed by agent 1 while the TPM is shared\n");
        Path data2 = Files.writeString(dir.resolve("signed-2.txt"), "signed by agent 2 while the TPM is shared\n");
        Path laptopPub = Files.writeString(dir.resolve("laptop.pub"), laptop + "\n");
        Path deployPub = Files.writeString(dir.resolve("deploy.pub"), deploy + "\n");
        try (SharedSimulator.Agent first = tpm.agent("soak-1", "--token", "work", "--pin-file", pinFile.toString());
                SharedSimulator.Agent second = tpm.agent("soak-2", "--token", "ci")) {
            long deadline = System.nanoTime() + SOAK.toNanos();
            ExecutorService pool = Executors.newFixedThreadPool(5);
            List<Future<?>> workers = new ArrayList<>();
            workers.add(pool.submit(() -> until(deadline, counts, n -> agentWork("agent 1", first, laptopPub, data1,
                    n, counts))));
            workers.add(pool.submit(() -> until(deadline, counts, n -> agentWork("agent 2", second, deployPub, data2,
                    n, counts))));
            workers.add(pool.submit(() -> until(deadline, counts, n -> keyChurn(n, counts))));
            workers.add(pool.submit(() -> until(deadline, counts, n -> counts.check("ssh -I login (tpm2-pkcs11)",
                    sshDashI()))));
            workers.add(pool.submit(() -> until(deadline, counts, n -> otherClients(counts))));
            pool.shutdown();
            for (Future<?> w : workers) {
                w.get(SOAK.toSeconds() + 300, TimeUnit.SECONDS);
            }
            // Both agents still sign after it all.
            counts.check("agent 1 login after the run", ssh.run(first.socket(), "true"));
            counts.check("agent 2 login after the run", ssh.run(second.socket(), "true"));
        }
        System.out.printf("%d s of interleaved clients on one swtpm behind tpm2-abrmd:%n", SOAK.toSeconds());
        new TreeMap<>(counts.ok).forEach((what, n) -> System.out.printf("  %5d  %s%n", n.get(), what));
        System.out.printf("  %5d  failures%n", counts.failures.size());
        assertThat(counts.failures).as("failures while the TPM was shared").isEmpty();
        assertThat(counts.ok.keySet()).contains("agent 1 login", "agent 2 login", "agent 1 ssh-keygen -Y signature",
                "agent 2 ssh-keygen -Y signature", "tpmssh key create", "tpmssh key import",
                "ssh -I login (tpm2-pkcs11)", "tpm2_getcap", "tpm2_flushcontext -t");
    }

    /** One login and one {@code ssh-keygen -Y sign} that {@code -Y check-novalidate} accepts. */
    private void agentWork(String name, SharedSimulator.Agent agent, Path pub, Path data, int n, Counts counts)
            throws Exception {
        counts.check(name + " login", ssh.run(agent.socket(), "true"));
        Path signature = Path.of(data + "-" + n + ".sig");
        Map<String, String> env = Map.of("SSH_AUTH_SOCK", agent.socket().toString());
        CommandResult sign = CommandRunner.run(List.of("ssh-keygen", "-Y", "sign", "-n", "file", "-f",
                pub.toString(), data.toString()), env, SharedSimulator.STEP);
        Files.move(Path.of(data + ".sig"), signature);
        CommandResult check = CommandRunner.run(List.of("ssh-keygen", "-Y", "check-novalidate", "-n", "file", "-s",
                signature.toString()), Map.of(), SharedSimulator.STEP, data);
        counts.check(name + " ssh-keygen -Y signature", sign.succeeded() ? check : sign);
        Files.deleteIfExists(signature);
    }

    /** A key created, then one imported, in another process; the import keeps its ssh-keygen fingerprint. */
    private void keyChurn(int n, Counts counts) throws Exception {
        counts.check("tpmssh key create", tpm.tpmssh("key", "create", "--token", "churn", "--label", "c" + n,
                "--algorithm", n % 2 == 0 ? "ecc-p256" : "rsa-2048"));
        Path key = dir.resolve("import-" + n);
        Cli.tool("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C", "i" + n, "-f", key.toString());
        CommandResult imported = tpm.tpmssh("key", "import", "--token", "churn", "--label", "i" + n, "--file",
                key.toString());
        String original = Cli.tool("ssh-keygen", "-l", "-E", "sha256", "-f", key + ".pub").split(" ")[1];
        counts.check("tpmssh key import", imported.succeeded() && !imported.stdout().contains(original)
                ? new CommandResult(1, imported.stdout(), "fingerprint differs from ssh-keygen's " + original, 0)
                : imported);
    }

    /** What else runs on a lab's TPM: a read, and a client that flushes every transient object it can see. */
    private void otherClients(Counts counts) throws Exception {
        counts.check("tpm2_getcap", tpm.run(List.of("tpm2_getcap", "handles-transient"), Map.of()));
        counts.check("tpm2_flushcontext -t", tpm.run(List.of("tpm2_flushcontext", "-t"), Map.of()));
        Thread.sleep(200);
    }

    private CommandResult sshDashI() throws Exception {
        List<String> command = new ArrayList<>(ssh.pkcs11Command(p11.module(), List.of(p11.pub())));
        command.add("true");
        return tpm.run(command, p11.sshEnvironment());
    }

    interface Work {
        void run(int iteration) throws Exception;
    }

    private static Void until(long deadline, Counts counts, Work work) {
        for (int n = 0; System.nanoTime() < deadline; n++) {
            try {
                work.run(n);
            } catch (Exception e) {
                counts.failures.add(e.toString());
            }
        }
        return null;
    }

    /** What ran, by kind, and what failed, with the command's own output. */
    private static final class Counts {
        final Map<String, AtomicInteger> ok = new ConcurrentHashMap<>();
        final List<String> failures = new CopyOnWriteArrayList<>();

        Counts() {
        }

        void check(String what, CommandResult r) {
            if (r.succeeded()) {
                ok.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
            } else {
                failures.add(what + ": " + r.describe());
            }
        }

        @Override
        public String toString() {
            return new TreeMap<>(ok).toString();
        }
    }

    private static CommandResult ok(CommandResult r) {
        assertThat(r.succeeded()).as(r.describe()).isTrue();
        return r;
    }

    private static String login(String what, CommandResult r, SharedSimulator.Agent agent) {
        assertThat(r.succeeded()).as("%s: %s%nagent log:%n%s", what, r.describe(), agent.log()).isTrue();
        return step(what, r);
    }

    private static String step(String what, CommandResult r) {
        return String.format("%-45s exit %d in %4d ms %s", what, r.exitCode(), r.wallNanos() / 1_000_000,
                r.stdout().strip().lines().findFirst().orElse(""));
    }
}
