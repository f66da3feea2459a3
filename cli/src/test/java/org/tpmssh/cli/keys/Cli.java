package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.tpmssh.cli.Main;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.Tcti;
import picocli.CommandLine;

/**
 * Runs {@code tpmssh} verbs in process against one swtpm and one store (both the test's own),
 * keeps every captured line so a test can check at the end that no PIN was ever printed.
 */
public final class Cli {
    /** One verb's outcome. */
    public record Run(int exit, String out, String err) {
        public Run ok() {
            assertThat(exit).as("exit code; stderr: %s", err).isZero();
            return this;
        }

        /** A user error: exit 1 and exactly one line on stderr, no stack trace, nothing on stdout. */
        public Run userError() {
            assertThat(exit).as("exit code; stdout: %s stderr: %s", out, err).isEqualTo(1);
            assertThat(err.lines().count()).as(err).isEqualTo(1);
            assertThat(err).startsWith("tpmssh: ").doesNotContain("\tat ").doesNotContain("Exception");
            return this;
        }
    }

    private final String tcti;
    private final Path store;
    private final List<String> captured = new CopyOnWriteArrayList<>();

    public Cli(Swtpm swtpm, Path store) {
        this(store, swtpm == null ? null : swtpm.tcti());
    }

    private Cli(Path store, String tcti) {
        this.tcti = tcti;
        this.store = store;
    }

    /** Against the TPM {@code tcti} names, e.g. a wire proxy in front of a swtpm. */
    public static Cli through(String tcti, Path store) {
        return new Cli(store, tcti);
    }

    /** Starts a swtpm whose DA limits are relaxed, as every test that is not about lockout does. */
    public static Swtpm relaxedSwtpm() throws Exception {
        return relaxed(Swtpm.start());
    }

    /** {@code sw} with its DA limits relaxed; it is closed if that fails. */
    public static Swtpm relaxed(Swtpm sw) throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(sw.tcti()).open())) {
            DictionaryAttack.relaxForOwnSimulator(tpm);
        } catch (Exception | Error e) {
            sw.close();
            throw e;
        }
        return sw;
    }

    public String tcti() {
        return tcti;
    }

    public Path store() {
        return store;
    }

    /** {@code tpmssh VERB ... --tcti <tcti> --store <store>}. */
    public Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--tcti", tcti, "--store", store.toString()));
        return raw(all.toArray(String[]::new));
    }

    /** Exactly the arguments given. */
    Run raw(String... args) {
        CommandLine cli = Main.commandLine(Main.SCENARIO_PACKAGE);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        Run r = new Run(exit, out.toString(), err.toString());
        record(r.out());
        record(r.err());
        return r;
    }

    void record(String text) {
        captured.add(text);
    }

    /** Everything the verbs printed so far, to grep for secrets. */
    public String everythingPrinted() {
        return String.join("\n", captured);
    }

    /** A new PIN-less token "ci" holding one key; returns the key's authorized_keys line. */
    String pinlessKey(String label, String algorithm) {
        run("token", "init", "--label", "ci", "--no-user-pin").ok();
        run("key", "create", "--token", "ci", "--label", label, "--algorithm", algorithm).ok();
        return run("key", "pub", "--token", "ci", "--label", label).ok().out().strip();
    }

    /** A one-line secret file of mode 0600, as tpmssh requires of PIN and passphrase files. */
    public static Path secretFile(Path dir, String name, String value) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.exists(f)) {
            Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(f, value + "\n", StandardCharsets.UTF_8);
        return f;
    }

    /** Runs an OpenSSH or OpenSSL tool, which must succeed; its stdout. */
    public static String tool(String... command) throws Exception {
        CommandResult r = CommandRunner.run(List.of(command), Map.of(), Duration.ofSeconds(60));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        return r.stdout();
    }

    /** {@code ssh-keygen -lf} of a public key line, as the independent fingerprint oracle. */
    static String sshKeygenFingerprint(Path dir, String authorizedKeysLine) throws Exception {
        Path pub = Files.createTempFile(dir, "key", ".pub");
        Files.writeString(pub, authorizedKeysLine.strip() + "\n");
        return tool("ssh-keygen", "-l", "-E", "sha256", "-f", pub.toString()).strip();
    }
}
