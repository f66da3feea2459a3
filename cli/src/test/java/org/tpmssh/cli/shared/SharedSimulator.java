package org.tpmssh.cli.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.tpmssh.cli.Main;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.Tcti;

/**
 * One swtpm behind tpm2-abrmd, registered under its default name on a private D-Bus, and its clients as a user
 * runs them, each a process of its own: {@code tpmssh} verbs and agents with {@code --tcti tabrmd:bus_type=session},
 * tpm2-tools, and the distribution's tpm2-pkcs11. Closing it stops and reaps every process it started.
 */
final class SharedSimulator implements AutoCloseable {
    /** What a user writes: the default bus name on the session bus. */
    static final String TCTI = "tabrmd:bus_type=session";
    static final Duration STEP = Duration.ofSeconds(120);

    private final Path dir;
    private final Swtpm swtpm;
    private final Tpm2Abrmd abrmd;
    private final List<Agent> agents = new ArrayList<>();

    private SharedSimulator(Path dir, Swtpm swtpm, Tpm2Abrmd abrmd) {
        this.dir = dir;
        this.swtpm = swtpm;
        this.abrmd = abrmd;
    }

    /** Why the shared simulator cannot run here (a package missing), or empty. */
    static Optional<String> unavailable() {
        Optional<String> abrmd = Tpm2Abrmd.availability();
        if (abrmd.isPresent()) {
            return abrmd;
        }
        if (LibraryPath.find("libtss2-tctildr.so.0", LibraryPath.directories()).isEmpty()) {
            return Optional.of("the TCTI loader libtss2-tctildr.so.0 is not installed (package libtss2-tctildr0)");
        }
        for (String[] tool : new String[][] {{"tpm2_ptool", "libtpm2-pkcs11-tools"}, {"pkcs11-tool", "opensc"},
            {"tpm2_flushcontext", "tpm2-tools"}}) {
            if (SearchPath.system().find(tool[0]).isEmpty()) {
                return Optional.of(tool[0] + " is not installed (package " + tool[1] + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * A swtpm on a unix socket with DA limits relaxed for a test, then tpm2-abrmd in front of it. Not TCP: there
     * tpm2-abrmd's swtpm TCTI opens a connection per command, and thousands of TIME_WAIT sockets would be left.
     */
    static SharedSimulator start(Path dir) throws Exception {
        Swtpm swtpm = Swtpm.builder().unixSocket(true).start();
        try {
            try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
                DictionaryAttack.relaxForOwnSimulator(tpm);
            }
            Tpm2Abrmd abrmd = Tpm2Abrmd.builder(swtpm.tcti()).busName(Tpm2Abrmd.DEFAULT_BUS_NAME).start();
            return new SharedSimulator(dir, swtpm, abrmd);
        } catch (Exception | Error e) {
            swtpm.close();
            throw e;
        }
    }

    Path store() {
        return dir.resolve("store");
    }

    /** DBUS_SESSION_BUS_ADDRESS, and the TCTI for tpm2-tools and tpm2-pkcs11: a shell's exports. */
    Map<String, String> environment() {
        return Map.of("DBUS_SESSION_BUS_ADDRESS", abrmd.busAddress(), "TPM2TOOLS_TCTI", TCTI, "TPM2_PKCS11_TCTI",
                TCTI);
    }

    private static List<String> java(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** {@code tpmssh ARGS --tcti tabrmd:bus_type=session --store STORE} in a JVM of its own. */
    CommandResult tpmssh(String... args) throws Exception {
        List<String> command = java(args);
        command.addAll(List.of("--tcti", TCTI, "--store", store().toString()));
        return CommandRunner.run(command, environment(), STEP);
    }

    /** A program (tpm2-tools, pkcs11-tool, ssh -I) with this TPM's environment and {@code extra}. */
    CommandResult run(List<String> command, Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(environment());
        env.putAll(extra);
        return CommandRunner.run(command, env, STEP);
    }

    /** A running {@code tpmssh agent ARGS} on this TPM, served once it printed its SSH_AUTH_SOCK line. */
    Agent agent(String name, String... args) throws Exception {
        Path socket = dir.resolve("agent-" + name).resolve("agent.sock");
        List<String> command = java("agent", "--socket", socket.toString());
        command.addAll(List.of(args));
        command.addAll(List.of("--tcti", TCTI, "--store", store().toString()));
        Path log = dir.resolve("agent-" + name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(log.toFile());
        builder.environment().remove("SSH_ASKPASS");
        builder.environment().remove("TPMSSH_PIN");
        builder.environment().putAll(environment());
        Process process = builder.start();
        Agent agent = new Agent(process, socket, log);
        agents.add(agent);
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("agent %s's first line; its log: %s", name, agent.log())
                .isEqualTo("SSH_AUTH_SOCK=" + socket + "; export SSH_AUTH_SOCK;");
        return agent;
    }

    /** One {@code tpmssh agent} process; closing it sends SIGTERM and reaps it. */
    record Agent(Process process, Path socket, Path logFile) implements AutoCloseable {
        String log() {
            try {
                return Files.exists(logFile) ? Files.readString(logFile) : "";
            } catch (IOException e) {
                return "(unreadable: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() {
            CommandRunner.kill(process);
        }
    }

    /** A tpm2-pkcs11 store in {@code dir} on this TPM, as its manual page makes one: init, a token, a key. */
    Tpm2Pkcs11Store tpm2Pkcs11Store(String pin, String algorithm) throws Exception {
        Path storeDir = Files.createDirectories(dir.resolve("tpm2-pkcs11"));
        Map<String, String> env = Map.of("TPM2_PKCS11_STORE", storeDir.toString());
        for (List<String> step : List.of(List.of("tpm2_ptool", "init"),
                List.of("tpm2_ptool", "addtoken", "--pid=1", "--label=shared", "--userpin=" + pin, "--sopin=so-" + pin),
                List.of("tpm2_ptool", "addkey", "--label=shared", "--userpin=" + pin, "--algorithm=" + algorithm,
                        "--key-label=shared-key"))) {
            CommandResult r = run(step, env);
            assertThat(r.succeeded()).as("%s: %s", step.subList(0, 2), r.stderr()).isTrue();
        }
        Path module = LibraryPath.find("libtpm2_pkcs11.so", LibraryPath.directories()).orElseThrow();
        CommandResult listed = run(List.of("ssh-keygen", "-D", module.toString()), env);
        assertThat(listed.succeeded()).as(listed.describe()).isTrue();
        String line = listed.stdout().lines().filter(l -> l.endsWith(" shared-key")).findFirst().orElseThrow();
        Path pub = Files.writeString(dir.resolve("tpm2-pkcs11-key.pub"), line + "\n");
        Path askpass = dir.resolve("askpass");
        Path pinFile = Files.writeString(dir.resolve("tpm2-pkcs11.pin"), pin);
        Files.setPosixFilePermissions(pinFile, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(askpass, "#!/bin/sh\ncat '" + pinFile + "'\necho\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> sshEnv = Map.of("TPM2_PKCS11_STORE", storeDir.toString(), "SSH_ASKPASS",
                askpass.toString(), "SSH_ASKPASS_REQUIRE", "force", "DISPLAY", ":0");
        return new Tpm2Pkcs11Store(module, line, pub, sshEnv);
    }

    /** What {@code ssh -I} needs: the module, the key's authorized_keys line and .pub file, and the environment. */
    record Tpm2Pkcs11Store(Path module, String authorizedKeysLine, Path pub, Map<String, String> sshEnvironment) {
    }

    /** Every process this started and still knows of: swtpm, tpm2-abrmd, its bus, the agents. */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>(List.of(swtpm.pid(), abrmd.pid(), abrmd.dbusPid()));
        agents.forEach(a -> pids.add(a.process().pid()));
        return pids;
    }

    @Override
    public void close() {
        try {
            agents.forEach(Agent::close);
            for (Agent a : agents) {
                try {
                    a.process().waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            try {
                abrmd.close();
            } finally {
                swtpm.close();
            }
        }
    }
}
