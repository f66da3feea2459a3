package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tpmssh.cli.Main;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.sshserver.CommandRunner;

/**
 * Every verb that talks to the TPM, against a real swtpm that a running {@code tpmssh agent} (a JVM of its own)
 * holds, against a port where nothing listens, and against a device that does not exist: each exits 1 within the
 * bound with one line that names the case, no stack trace, and the store unchanged. The verbs that need no TPM
 * keep working while it is busy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnreachableTpmTest {
    /** The bound for a busy TPM: "well under 30 s"; a busy swtpm is found after 2 s (first-answer bound). */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final String USER_PIN = "busy-pin-2468";
    private static final String SO_PIN = "busy-so-1357";
    private static final AtomicInteger RUNS = new AtomicInteger();

    @TempDir
    static Path dir;

    private Swtpm swtpm;
    private Cli cli;
    private Process holder;

    /** Each verb that opens the TPM; {dir} is this class's folder, {n} a number unique to the run. */
    static Stream<String> tpmVerbs() {
        return Stream.of(
                "probe",
                "token init --label new-{n} --no-user-pin",
                "token change-pin --label work --old-pin-file {dir}/user.pin --new-pin-file {dir}/new.pin",
                "token reset-pin --label work --so-pin-file {dir}/so.pin --new-pin-file {dir}/new.pin",
                "key create --token ci --label new-{n} --algorithm ecc-p256",
                "key create --token work --label new-{n} --algorithm rsa-2048 --pin-file {dir}/user.pin",
                "key import --token ci --label imported-{n} --file {dir}/id_ecdsa",
                "key add-file --token ci --label wrapped-{n} --file {dir}/wrapped.tss2",
                "key parent-pub --token ci",
                "key export --token ci --label deploy --out {dir}/export-{n}.tss2",
                "agent --socket {dir}/agent-{n}/agent.sock --token ci",
                "pkcs11-server --socket {dir}/p11-{n}/p11.sock");
    }

    @BeforeAll
    void aRunningAgentHoldsTheSwtpm() throws Exception {
        swtpm = Cli.relaxedSwtpm();
        cli = new Cli(swtpm, dir.resolve("store"));
        Path pin = Cli.secretFile(dir, "user.pin", USER_PIN);
        Path so = Cli.secretFile(dir, "so.pin", SO_PIN);
        Cli.secretFile(dir, "new.pin", "busy-new-pin-9753");
        cli.run("token", "init", "--label", "work", "--user-pin-file", pin.toString(), "--so-pin-file",
                so.toString()).ok();
        cli.run("token", "init", "--label", "ci", "--no-user-pin").ok();
        cli.run("key", "create", "--token", "ci", "--label", "deploy", "--algorithm", "ecc-p256").ok();
        Cli.tool("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C", "imported", "-f", dir.resolve("id_ecdsa")
                .toString());
        cli.run("key", "parent-pub", "--token", "ci", "--out", dir.resolve("srk.pem").toString()).ok();
        cli.run("key", "wrap", "--parent-pub", dir.resolve("srk.pem").toString(), "--file",
                dir.resolve("id_ecdsa").toString(), "--out", dir.resolve("wrapped.tss2").toString()).ok();

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path socket = dir.resolve("holder/agent.sock");
        holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "agent", "--socket", socket.toString(), "--token", "ci", "--tcti", swtpm.tcti(), "--store",
                cli.store().toString()).redirectError(dir.resolve("holder.err").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("the holding agent's first line; stderr: %s", Files.readString(
                dir.resolve("holder.err"))).isEqualTo("SSH_AUTH_SOCK=" + socket + "; export SSH_AUTH_SOCK;");
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (holder != null) {
                CommandRunner.kill(holder);
                assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            if (swtpm != null) {
                swtpm.close();
            }
        }
    }

    @ParameterizedTest(name = "tpmssh {0}")
    @MethodSource("tpmVerbs")
    void aSwtpmHeldByARunningAgentIsNamedAsBusy(String verb) throws Exception {
        Cli.Run r = failsWithin(verb, swtpm.tcti());
        assertThat(r.err()).startsWith("tpmssh: swtpm at 127.0.0.1:" + swtpm.port() + " is serving another client:"
                + " swtpm serves one connection at a time and another process holds it (is `tpmssh agent`"
                + " running?); to share it, put tpm2-abrmd in front (`tpm2-abrmd --session --tcti=swtpm:host=127.0.0.1,"
                + "port=" + swtpm.port() + "`) and use --tcti tabrmd:bus_type=session");
    }

    @ParameterizedTest(name = "tpmssh {0}")
    @MethodSource("tpmVerbs")
    void nothingListeningIsARefusedConnection(String verb) throws Exception {
        int port = closedPort();
        Cli.Run r = failsWithin(verb, "swtpm:host=127.0.0.1,port=" + port);
        assertThat(r.err()).startsWith("tpmssh: cannot reach swtpm at 127.0.0.1:" + port + ": connection refused."
                + " Is swtpm running? Start it with `swtpm socket --tpm2");
    }

    @ParameterizedTest(name = "tpmssh {0}")
    @MethodSource("tpmVerbs")
    void aMissingDeviceIsNamed(String verb) throws Exception {
        Path missing = dir.resolve("no-such-tpm");
        Cli.Run r = failsWithin(verb, "device:" + missing);
        assertThat(r.err()).startsWith("tpmssh: cannot open " + missing + ": no such device. Is there a TPM with its"
                + " driver loaded (ls /dev/tpm*)?");
        assertThat(missing).doesNotExist();
    }

    @ParameterizedTest(name = "tpmssh {0}")
    @ValueSource(strings = {"token list", "key list --token ci", "key pub --token ci --label deploy",
        "key wrap --parent-pub {dir}/srk.pem --file {dir}/id_ecdsa --out {dir}/wrapped-{n}.tss2"})
    void verbsThatNeedNoTpmWorkWhileItIsBusy(String verb) throws Exception {
        long start = System.nanoTime();
        Cli.Run r = run(verb, swtpm.tcti()).ok();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(r.out()).isNotBlank();
    }

    @Test
    void tpmTimeoutBoundsAFrozenSwtpmAndStillFindsABusyOne() throws Exception {
        try (Swtpm frozen = Swtpm.start()) {
            signal("STOP", frozen);
            try {
                long start = System.nanoTime();
                Cli.Run r = cli.raw("probe", "--tpm-timeout", "3s", "--tcti", frozen.tcti()).userError();
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertThat(r.err()).startsWith("tpmssh: swtpm at 127.0.0.1:" + frozen.port() + " gave no answer"
                        + " within 3 s while waiting for the response: it is frozen or hung");
                System.out.printf("probe --tpm-timeout 3s on a frozen swtpm: exit 1 after %d ms%n", took.toMillis());
                assertThat(took).isGreaterThanOrEqualTo(Duration.ofSeconds(3)).isLessThan(Duration.ofSeconds(10));
            } finally {
                signal("CONT", frozen);
            }
        }
        // A bound shorter than the default first-answer wait still tells busy from frozen.
        assertThat(cli.raw("probe", "--tpm-timeout", "1s", "--tcti", swtpm.tcti()).userError().err())
                .contains("is serving another client");
        Cli.Run typo = cli.raw("probe", "--tpm-timeout", "5 minutes", "--tcti", swtpm.tcti());
        assertThat(typo.exit()).isEqualTo(Main.USAGE);
        assertThat(typo.err()).contains("\"5 minutes\" is not a TPM timeout");
    }

    private Cli.Run failsWithin(String verb, String tcti) throws Exception {
        Map<String, String> before = snapshot(cli.store());
        long start = System.nanoTime();
        Cli.Run r = run(verb, tcti).userError();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("tpmssh %s (%s): exit %d after %d ms%n", verb.split(" --")[0], tcti, r.exit(),
                took.toMillis());
        assertThat(took).isLessThan(BOUND);
        assertThat(r.out()).isEmpty();
        assertThat(snapshot(cli.store())).as("the store after a failed verb").isEqualTo(before);
        return r;
    }

    private Cli.Run run(String verb, String tcti) {
        String n = String.valueOf(RUNS.incrementAndGet());
        List<String> args = new ArrayList<>();
        for (String word : verb.split(" ")) {
            args.add(word.replace("{dir}", dir.toString()).replace("{n}", n));
        }
        args.addAll(List.of("--tcti", tcti));
        if (!verb.equals("probe")) {
            args.addAll(List.of("--store", cli.store().toString()));
        }
        return cli.raw(args.toArray(String[]::new));
    }

    /** Every file of the store with its SHA-256, so a verb that fails is seen to have written nothing. */
    private static Map<String, String> snapshot(Path store) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(store)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                try {
                    files.put(store.relativize(p).toString(), HexFormat.of().formatHex(
                            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return files;
    }

    private static int closedPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void signal(String signal, Swtpm swtpm) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(swtpm.pid())).inheritIO().start();
        assertThat(kill.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).isZero();
    }
}
