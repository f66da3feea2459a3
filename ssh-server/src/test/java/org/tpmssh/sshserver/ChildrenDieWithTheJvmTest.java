package org.tpmssh.sshserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.emulators.Swtpm;

/**
 * A JVM that started swtpm and sshd is SIGKILLed, as a CI timeout or PIT's minion reaper does: no shutdown hook
 * runs, and within seconds none of its children is left, checked by PID.
 */
class ChildrenDieWithTheJvmTest {
    private static final Duration GONE_WITHIN = Duration.ofSeconds(5);
    private static final String READY = "children started";

    @TempDir
    Path dir;

    @Test
    void swtpmAndSshdDieWhenTheirJvmIsKilled() throws Exception {
        assumeTrue(ChildProcesses.dieWithTheJvm(), "setpriv (util-linux) is not installed");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process jvm = ChildProcesses.start(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StartsChildren.class.getName(), dir.toString()).redirectError(dir.resolve("child.err").toFile()));
        List<ProcessHandle> children = List.of();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                    StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(line).as("the child JVM's first line; its stderr: %s", stderr()).isEqualTo(READY);
            children = jvm.descendants().toList();
            assertThat(children.stream().map(ChildrenDieWithTheJvmTest::program))
                    .as("the child JVM's own children").anyMatch(p -> p.endsWith("swtpm"))
                    .anyMatch(p -> p.endsWith("sshd"));

            jvm.destroyForcibly();
            assertThat(jvm.waitFor(GONE_WITHIN.toMillis(), TimeUnit.MILLISECONDS)).as("the JVM ended").isTrue();

            long deadline = System.nanoTime() + GONE_WITHIN.toNanos();
            while (children.stream().anyMatch(ChildrenDieWithTheJvmTest::running) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(children.stream().filter(ChildrenDieWithTheJvmTest::running)
                    .map(h -> h.pid() + " " + program(h)))
                    .as("children of the SIGKILLed JVM still running after %d s", GONE_WITHIN.toSeconds())
                    .isEmpty();
        } finally {
            jvm.destroyForcibly();
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }

    private String stderr() {
        try {
            return Files.readString(dir.resolve("child.err"));
        } catch (IOException e) {
            return "(unreadable)";
        }
    }

    private static String program(ProcessHandle h) {
        return h.info().command().orElse("?");
    }

    /** Alive and not a zombie (a reaper that is not ours may be slow to collect it); a PID reused since is not it. */
    private static boolean running(ProcessHandle h) {
        Optional<ProcessHandle> now = ProcessHandle.of(h.pid());
        if (now.isEmpty() || !now.get().isAlive() || !now.get().info().startInstant().equals(h.info().startInstant())) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** The child JVM: starts swtpm and sshd as the harness does, says so, and waits to be killed. */
    static final class StartsChildren {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            Swtpm swtpm = Swtpm.start();
            OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd"), List.of());
            System.out.println(READY);
            System.out.flush();
            Thread.sleep(Duration.ofMinutes(2).toMillis());
            sshd.close();
            swtpm.close();
        }
    }
}
