package org.tpmssh.cli.pkcs11server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.tpmssh.cli.Main;
import org.tpmssh.cli.keys.Cli;
import org.tpmssh.emulators.ChildProcesses;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.stack.p11kit.P11KitClientModule;
import org.tpmssh.stack.p11kit.P11KitServer;

/**
 * {@code tpmssh pkcs11-server} as its own JVM, as a user runs it: started on the test's swtpm and
 * store, its first stdout line parsed for P11_KIT_SERVER_ADDRESS, its stderr kept in a file, and
 * stopped with SIGTERM (reaped by PID, forcibly if it does not exit).
 */
final class Pkcs11ServerProcess implements AutoCloseable {
    static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

    final Process process;
    final Path socket;
    final Path log;
    final String exportLine;

    private Pkcs11ServerProcess(Process process, Path socket, Path log, String exportLine) {
        this.process = process;
        this.socket = socket;
        this.log = log;
        this.exportLine = exportLine;
    }

    /** p11-kit-client.so, or a skip that names the package to install. */
    static Path module() {
        var found = P11KitClientModule.find();
        assumeTrue(found.isPresent(), P11KitClientModule.missing());
        return found.get();
    }

    static void assumeTool(String tool, String pkg) {
        assumeTrue(SearchPath.system().find(tool).isPresent(), tool + " is not installed (package " + pkg + ")");
    }

    static Pkcs11ServerProcess start(Cli cli, Path dir, String... extra) throws Exception {
        Path socket = dir.resolve("run/p11kit.sock");
        Path log = dir.resolve("pkcs11-server.err");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName(), "pkcs11-server",
                "--socket", socket.toString(), "--tcti", cli.tcti(), "--store", cli.store().toString(), "--verbose"));
        command.addAll(List.of(extra));
        Process p = ChildProcesses.start(new ProcessBuilder(command).redirectError(log.toFile()));
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(90, TimeUnit.SECONDS);
            if (first == null) {
                throw new IllegalStateException("pkcs11-server printed nothing: " + Files.readString(log));
            }
            return new Pkcs11ServerProcess(p, socket, log, first);
        } catch (Exception | Error e) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** What a client needs: P11_KIT_SERVER_ADDRESS as the server printed it. */
    Map<String, String> environment() {
        String value = exportLine.substring(exportLine.indexOf('=') + 1, exportLine.indexOf(';'));
        return Map.of(P11KitServer.ADDRESS_VARIABLE, value);
    }

    CommandResult run(List<String> command) throws Exception {
        return CommandRunner.run(command, environment(), TOOL_TIMEOUT);
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM, then the exit code (143 once the shutdown hook has run). */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }
}
