package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tpmssh.cli.Main;

/**
 * With no store named, tpmssh uses $XDG_DATA_HOME/tpmssh, else ~/.local/share/tpmssh; only a verb
 * that writes makes that directory. Each verb runs as its own JVM with XDG_DATA_HOME (or the home
 * directory) pointed into the test's folder, never the real home, and TPMSSH_STORE unset.
 */
class StoreDirectoryTest extends SwtpmCliTest {

    private record Run(int exit, String err) {
    }

    private Run tpmssh(Map<String, String> env, List<String> jvm, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        command.addAll(jvm);
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().keySet().removeAll(List.of("TPMSSH_STORE", "TPMSSH_TCTI", "XDG_DATA_HOME", "TPMSSH_PIN"));
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("tpmssh %s finished", List.of(args)).isTrue();
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        return new Run(p.exitValue(), Files.readString(dir.resolve("err.txt")));
    }

    @Test
    void readingAndFailingVerbsLeaveNoStoreDirectoryAndTokenInitMakesIt() throws Exception {
        Path xdg = Files.createDirectories(dir.resolve("xdg"));
        Map<String, String> env = Map.of("XDG_DATA_HOME", xdg.toString());
        String deadTpm = "swtpm:host=127.0.0.1,port=1"; // nothing listens on port 1
        List<List<String>> verbs = List.of(
                List.of("token", "list"),
                List.of("token", "check"),
                List.of("key", "list", "--token", "nosuch"),
                List.of("key", "create", "--token", "nosuch", "--label", "k", "--algorithm", "ecc-p256", "--tcti",
                        deadTpm),
                List.of("agent", "--socket", dir.resolve("s/agent.sock").toString(), "--token", "nosuch"),
                List.of("token", "init", "--label", "t", "--no-user-pin", "--tcti", deadTpm));
        for (List<String> verb : verbs) {
            Run r = tpmssh(env, List.of(), verb.toArray(String[]::new));
            assertThat(xdg.resolve("tpmssh")).as("after `tpmssh %s` (exit %d: %s)", String.join(" ", verb), r.exit(),
                    r.err()).doesNotExist();
        }

        Run init = tpmssh(env, List.of(), "token", "init", "--label", "t", "--no-user-pin", "--tcti", swtpm.tcti());
        assertThat(init.exit()).as(init.err()).isZero();
        assertThat(xdg.resolve("tpmssh/tokens/t/token.json")).exists();
    }

    @Test
    void withoutXdgDataHomeTheStoreIsUnderTheHomeDirectoryAndOnlyMadeByAWrite() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        List<String> jvm = List.of("-Duser.home=" + home);
        Run failing = tpmssh(Map.of(), jvm, "key", "list", "--token", "nosuch");
        assertThat(failing.exit()).isEqualTo(1);
        assertThat(failing.err()).contains(home.resolve(".local/share/tpmssh").toString());
        assertThat(home.resolve(".local")).doesNotExist();
        Run init = tpmssh(Map.of(), jvm, "token", "init", "--label", "t", "--no-user-pin", "--tcti", swtpm.tcti());
        assertThat(init.exit()).as(init.err()).isZero();
        assertThat(home.resolve(".local/share/tpmssh/tokens/t/token.json")).exists();
    }
}
