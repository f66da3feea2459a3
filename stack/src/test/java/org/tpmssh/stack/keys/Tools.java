package org.tpmssh.stack.keys;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/** Runs the real ssh-keygen, openssl and tpm2-tools that act as independent oracles in these tests. */
final class Tools {
    private Tools() {
    }

    static CommandResult run(Map<String, String> env, String... command) throws Exception {
        return CommandRunner.run(List.of(command), env, Duration.ofSeconds(60));
    }

    /** Runs and insists on success; returns stdout. */
    static String ok(Map<String, String> env, String... command) throws Exception {
        CommandResult r = run(env, command);
        if (r.exitCode() != 0) {
            throw new AssertionError(r.describe());
        }
        return r.stdout();
    }

    static String ok(String... command) throws Exception {
        return ok(Map.of(), command);
    }

    /** The {@code SHA256:…} fingerprint ssh-keygen -lf prints for a key file. */
    static String sshKeygenFingerprint(Path pub) throws Exception {
        return ok("ssh-keygen", "-lf", pub.toString()).trim().split("\\s+")[1];
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Path.of(dir, tool).toFile().canExecute()) {
                return true;
            }
        }
        return false;
    }
}
