package org.tpmssh.cli.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.tpmssh.cli.Main;
import org.tpmssh.cli.keys.Cli;
import org.tpmssh.emulators.ForeignClient;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.harness.latency.AgentRoundTrip;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.StoreCheck;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TransportTimeouts;

/**
 * Random tpmssh verbs, each a JVM of its own SIGKILLed at a random moment, against one swtpm (with another
 * program's object in one of its three slots) and one store; then the store, every key, the lock and the TPM's
 * slots are checked (issue 10; figures in docs/kill-and-load.md). A main for scripts/soak/kill-verbs.sh, and a short
 * run in {@code KilledVerbsTest}.
 */
public final class KillVerbs {
    private static final String PIN_A = "soak-pin-a-4711";
    private static final String PIN_B = "soak-pin-b-0815";
    private static final String SO_PIN = "soak-so-pin-271";
    private static final int LOADED_SESSIONS = 0x02000000;
    private static final int AGENT_RSA_SHA2_256 = 2;

    /** The verbs a user may be killed in, as the issue lists them. */
    public enum Verb {
        TOKEN_INIT, KEY_CREATE, KEY_IMPORT, KEY_DELETE, CHANGE_PIN;

        String label() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    /** What one run found; {@link #markdown()} is what the script writes down. */
    public record Report(int kills, int finishedFirst, Map<Verb, Integer> killedByVerb, Histogram verbMillis,
            Map<Verb, Long> medianMillis,
            Histogram killAtPercent, List<String> damaged, Map<String, Integer> notes, int checkExit, int keys,
            int keysSigned, boolean lockFree, List<Integer> transientsAfterKills, List<Integer> transientsAtEnd,
            boolean foreignSurvived, int sessionsAfterKills, int sessionsAtEnd, List<String> unexpected,
            String loadBefore, String loadAfter, long seconds) {

        /** True when the store and the TPM came through as the issue asks. */
        public boolean clean() {
            return damaged.isEmpty() && checkExit == 0 && keysSigned == keys && lockFree && foreignSurvived
                    && unexpected.isEmpty() && transientsAtEnd.size() == 1;
        }

        public String markdown() {
            StringBuilder b = new StringBuilder();
            b.append("kills: ").append(kills).append(" (").append(finishedFirst).append(" more runs finished before"
                    + " their kill moment); by verb: ").append(killedByVerb).append('\n');
            b.append("verb run time when not killed, ms: p50 ").append(p(verbMillis, 50)).append(" / p95 ")
                    .append(p(verbMillis, 95)).append(" / p99 ").append(p(verbMillis, 99)).append(" (n=")
                    .append(verbMillis.getTotalCount()).append("); median by verb: ").append(medianMillis)
                    .append('\n');
            b.append("kill moment, % of that verb's median unkilled run time: p50 ").append(p(killAtPercent, 50))
                    .append(" / p95 ").append(p(killAtPercent, 95)).append(" / p99 ").append(p(killAtPercent, 99))
                    .append('\n');
            b.append("damaged files found after any kill: ").append(damaged.size()).append(damaged.isEmpty() ? ""
                    : " " + damaged).append('\n');
            b.append("`tpmssh token check --tcti` at the end: exit ").append(checkExit).append("; notes (what kills"
                    + " legitimately left): ").append(notes.isEmpty() ? "none" : notes).append('\n');
            b.append("keys listed: ").append(keys).append(", signed through `tpmssh agent` and verified by the JDK: ")
                    .append(keysSigned).append('\n');
            b.append("store lock free after the kills: ").append(lockFree).append('\n');
            b.append("transient objects after the last kill: ").append(hex(transientsAfterKills))
                    .append("; after one more `key create` and the agents: ").append(hex(transientsAtEnd))
                    .append(" (the other program's object ").append(foreignSurvived ? "survived" : "WAS TOUCHED")
                    .append(")\n");
            b.append("loaded sessions after the kills: ").append(sessionsAfterKills).append(", at the end: ")
                    .append(sessionsAtEnd).append(" (a killed process's session cannot be told from another"
                            + " program's, so none is flushed)\n");
            b.append("unexpected failures of verbs that were not killed: ").append(unexpected.isEmpty() ? "none"
                    : unexpected).append('\n');
            b.append("load average before: ").append(loadBefore).append("; after: ").append(loadAfter)
                    .append("; wall time ").append(seconds).append(" s\n");
            return b.toString();
        }

        private static String p(Histogram h, double percentile) {
            return h.getTotalCount() == 0 ? "-" : String.valueOf(h.getValueAtPercentile(percentile));
        }

        private static String hex(List<Integer> handles) {
            return handles.stream().map(Handles::hex).toList().toString();
        }
    }

    private final Path dir;
    private final Path store;
    private final Swtpm swtpm;
    private final Random random;
    private final List<String> unexpected = new ArrayList<>();
    private final Map<String, Boolean> onPinB = new TreeMap<>();
    private final Map<Verb, List<Long>> finishedMillis = new EnumMap<>(Verb.class);
    private final Histogram verbMillis = new Histogram(3);
    private final Histogram killAtPercent = new Histogram(3);
    private final List<String> damaged = new ArrayList<>();
    private final Path pinA;
    private final Path pinB;
    private final Path soPin;
    private final List<Path> importable = new ArrayList<>();
    private int counter;

    private KillVerbs(Path dir, Swtpm swtpm, long seed) throws IOException {
        this.dir = dir;
        this.store = dir.resolve("store");
        this.swtpm = swtpm;
        this.random = new Random(seed);
        this.pinA = secret("pin-a", PIN_A);
        this.pinB = secret("pin-b", PIN_B);
        this.soPin = secret("so-pin", SO_PIN);
    }

    /** {@code kills} SIGKILLs of random verbs in {@code dir} (made if absent), reproducible with {@code seed}. */
    public static Report run(int kills, long seed, Path dir) throws Exception {
        Files.createDirectories(dir);
        long start = System.nanoTime();
        String loadBefore = load();
        try (Swtpm swtpm = Cli.relaxed(Swtpm.builder().unixSocket(true).start())) {
            return new KillVerbs(dir, swtpm, seed).soak(kills, loadBefore, start);
        }
    }

    private Report soak(int kills, String loadBefore, long start) throws Exception {
        importable.add(sshKeygen("id_ecdsa", "-t", "ecdsa", "-b", "256"));
        importable.add(sshKeygen("id_rsa", "-t", "rsa", "-b", "2048", "-m", "PEM"));
        int foreign = ForeignClient.of(swtpm.tcti(), dir.resolve("foreign")).createPrimary();
        byte[] foreignName = nameAt(foreign);
        // The starting store, by verbs that are not killed; their run times are the kill-moment scale.
        for (Verb v : Verb.values()) {
            finishedMillis.put(v, new ArrayList<>());
        }
        finish(Verb.TOKEN_INIT, initArgs("t0", true));
        finish(Verb.TOKEN_INIT, initArgs("p0", false));
        finish(Verb.KEY_CREATE, args(Verb.KEY_CREATE).orElseThrow());
        finish(Verb.KEY_IMPORT, args(Verb.KEY_IMPORT).orElseThrow());

        int done = 0;
        int finishedFirst = 0;
        Map<Verb, Integer> byVerb = new EnumMap<>(Verb.class);
        for (int attempt = 0; done < kills && attempt < kills * 4; attempt++) {
            Verb verb = Verb.values()[random.nextInt(Verb.values().length)];
            java.util.Optional<List<String>> a = args(verb);
            if (a.isEmpty()) {
                continue;
            }
            Map<String, byte[]> seals = seals();
            long estimate = typicalMillis(verb);
            long killAt = (long) (estimate * (0.1 + random.nextDouble()));
            Run r = launch(a.get());
            if (r.process.waitFor(killAt, TimeUnit.MILLISECONDS)) {
                finished(verb, r);
                finishedFirst++;
            } else {
                r.process.destroyForcibly(); // SIGKILL
                r.process.waitFor(30, TimeUnit.SECONDS);
                done++;
                if (done % 25 == 0) {
                    System.out.println("kill-verbs: " + done + " of " + kills + " kills");
                }
                byVerb.merge(verb, 1, Integer::sum);
                killAtPercent.recordValue(killAt * 100 / estimate);
            }
            r.delete();
            followPins(verb, a.get(), seals);
            checkFiles("after " + verb.label() + " #" + attempt);
        }

        List<Integer> transientsAfterKills = handles(Handles.TRANSIENT_FIRST);
        int sessionsAfterKills = handles(LOADED_SESSIONS).size();
        boolean lockFree = lockFree();
        Run check = launch(List.of("token", "check", "--tcti", swtpm.tcti(), "--store", store.toString()));
        check.process.waitFor(5, TimeUnit.MINUTES);
        String checkOut = Files.readString(check.out);
        Map<String, Integer> notes = notes(checkOut);
        if (check.process.exitValue() != 0) {
            damaged.add("token check exit " + check.process.exitValue() + ": " + checkOut.strip());
        }
        finish(Verb.KEY_CREATE, args(Verb.KEY_CREATE).orElseThrow()); // the TPM's slots are usable
        int[] keys = {0, 0};
        signEveryKey(keys);
        List<Integer> transientsAtEnd = handles(Handles.TRANSIENT_FIRST);
        boolean foreignSurvived = transientsAtEnd.contains(foreign) && Arrays.equals(nameAt(foreign), foreignName);
        Map<Verb, Long> medians = new EnumMap<>(Verb.class);
        for (Verb v : Verb.values()) {
            if (!finishedMillis.get(v).isEmpty()) {
                medians.put(v, typicalMillis(v));
            }
        }
        return new Report(done, finishedFirst, byVerb, verbMillis, medians, killAtPercent, damaged, notes,
                check.process.exitValue(), keys[0], keys[1], lockFree, transientsAfterKills, transientsAtEnd,
                foreignSurvived, sessionsAfterKills, handles(LOADED_SESSIONS).size(), unexpected, loadBefore, load(),
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }

    // ---- verbs ----

    private java.util.Optional<List<String>> args(Verb verb) throws Exception {
        TokenStore s = TokenStore.open(store);
        List<TokenRecord> tokens = s.tokens();
        String n = String.valueOf(++counter);
        switch (verb) {
            case TOKEN_INIT:
                return java.util.Optional.of(initArgs("t" + n, random.nextBoolean()));
            case KEY_CREATE:
            case KEY_IMPORT: {
                if (tokens.isEmpty()) {
                    return java.util.Optional.empty();
                }
                TokenRecord t = tokens.get(random.nextInt(tokens.size()));
                List<String> a = new ArrayList<>(verb == Verb.KEY_CREATE
                        ? List.of("key", "create", "--token", t.label(), "--label", "k" + n, "--algorithm",
                                random.nextInt(4) == 0 ? "rsa-2048" : "ecc-p256")
                        : List.of("key", "import", "--token", t.label(), "--label", "i" + n, "--file",
                                importable.get(random.nextInt(importable.size())).toString()));
                if (!t.pinless()) {
                    a.addAll(List.of("--pin-file", pinFileOf(t.label()).toString()));
                }
                return java.util.Optional.of(a);
            }
            case KEY_DELETE: {
                List<String[]> all = new ArrayList<>();
                for (TokenRecord t : tokens) {
                    for (KeyRecord k : s.keys(t.label())) {
                        all.add(new String[] {t.label(), k.label()});
                    }
                }
                if (all.size() < 2) {
                    return java.util.Optional.empty(); // keep a key to sign with
                }
                String[] pick = all.get(random.nextInt(all.size()));
                return java.util.Optional.of(List.of("key", "delete", "--token", pick[0], "--label", pick[1]));
            }
            default: {
                List<TokenRecord> pinTokens = tokens.stream().filter(t -> !t.pinless()).toList();
                if (pinTokens.isEmpty()) {
                    return java.util.Optional.empty();
                }
                String label = pinTokens.get(random.nextInt(pinTokens.size())).label();
                boolean b = onPinB.getOrDefault(label, false);
                return java.util.Optional.of(List.of("token", "change-pin", "--label", label, "--old-pin-file",
                        (b ? pinB : pinA).toString(), "--new-pin-file", (b ? pinA : pinB).toString()));
            }
        }
    }

    private List<String> initArgs(String label, boolean pin) {
        return pin ? List.of("token", "init", "--label", label, "--user-pin-file", pinA.toString(), "--so-pin-file",
                soPin.toString()) : List.of("token", "init", "--label", label, "--no-user-pin");
    }

    private Path pinFileOf(String token) {
        return onPinB.getOrDefault(token, false) ? pinB : pinA;
    }

    /** Runs a verb to its end; it must succeed. */
    private void finish(Verb verb, List<String> args) throws Exception {
        Map<String, byte[]> seals = seals();
        Run r = launch(args);
        if (!r.process.waitFor(5, TimeUnit.MINUTES)) {
            r.process.destroyForcibly();
            unexpected.add(verb.label() + " did not finish in 5 minutes");
            return;
        }
        finished(verb, r);
        r.delete();
        followPins(verb, args, seals);
    }

    private void finished(Verb verb, Run r) throws IOException {
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - r.started);
        verbMillis.recordValue(ms);
        finishedMillis.get(verb).add(ms);
        if (r.process.exitValue() != 0) {
            unexpected.add(verb.label() + " exit " + r.process.exitValue() + ": "
                    + Files.readString(r.err).strip().lines().findFirst().orElse(""));
        }
    }

    /**
     * The median run time of {@code verb} when it was not killed: kill moments are drawn from 10 % to 110 % of it.
     * Change-pin and key delete use key create's until one of them has run to its end.
     */
    private long typicalMillis(Verb verb) {
        List<Long> runs = new ArrayList<>(finishedMillis.get(verb).isEmpty() ? finishedMillis.get(Verb.KEY_CREATE)
                : finishedMillis.get(verb));
        runs.sort(null);
        return Math.max(1, runs.get(runs.size() / 2));
    }

    /** Which user PIN each PIN token has now: a change-pin moved it only if the token's seal changed. */
    private void followPins(Verb verb, List<String> args, Map<String, byte[]> before) throws Exception {
        Map<String, byte[]> now = seals();
        for (String label : now.keySet()) {
            if (!before.containsKey(label)) {
                onPinB.put(label, false); // a new PIN token starts on PIN A
            } else if (verb == Verb.CHANGE_PIN && args.contains(label) && !Arrays.equals(before.get(label),
                    now.get(label))) {
                onPinB.put(label, !onPinB.getOrDefault(label, false));
            }
        }
    }

    private Map<String, byte[]> seals() throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (TokenRecord t : TokenStore.open(store).tokens()) {
            if (!t.pinless()) {
                m.put(t.label(), t.userSeal().privateBlob());
            }
        }
        return m;
    }

    // ---- checks ----

    private void checkFiles(String when) throws Exception {
        for (StoreCheck.Finding f : StoreCheck.files(TokenStore.open(store)).findings()) {
            if (f.severity() == StoreCheck.Severity.DAMAGED) {
                damaged.add(when + ": " + f.message());
            }
        }
    }

    /** The kinds of notes token check printed, counted: what the kills legitimately left. */
    private static Map<String, Integer> notes(String checkOutput) {
        Map<String, Integer> kinds = new TreeMap<>();
        for (String line : checkOutput.lines().toList()) {
            if (line.startsWith("note")) {
                String kind = line.contains("incomplete temporary file") ? "incomplete temporary file"
                        : line.contains("newer copy") ? "newer copy never put in place"
                        : line.contains("never put in place") ? "complete record never put in place"
                        : line.contains("no token.json and no keys") ? "token directory without token.json"
                        : line.substring(4).strip();
                kinds.merge(kind, 1, Integer::sum);
            }
        }
        return kinds;
    }

    private boolean lockFree() throws IOException {
        Path lock = store.resolve("store.lock");
        if (!Files.exists(lock)) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock l = ch.tryLock()) {
            return l != null;
        }
    }

    /** Every key of the store through `tpmssh agent`, one agent per user PIN, each signature verified by the JDK. */
    private void signEveryKey(int[] counts) throws Exception {
        TokenStore s = TokenStore.open(store);
        for (boolean b : new boolean[] {false, true}) {
            List<String> args = new ArrayList<>(List.of("agent", "--socket", dir.resolve("agent-" + b + "/sock")
                    .toString(), "--pin-file", (b ? pinB : pinA).toString(), "--tcti", swtpm.tcti(), "--store",
                    store.toString()));
            List<KeyRecord> keys = new ArrayList<>();
            for (TokenRecord t : s.tokens()) {
                if (t.pinless() ? !b : onPinB.getOrDefault(t.label(), false) == b) {
                    args.addAll(List.of("--token", t.label()));
                    keys.addAll(s.keys(t.label()));
                }
            }
            if (keys.isEmpty()) {
                continue;
            }
            counts[0] += keys.size();
            Run agent = launch(args);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(
                    Files.newInputStream(agent.out), StandardCharsets.UTF_8))) {
                String line = awaitLine(agent, out);
                if (line == null || !line.startsWith("SSH_AUTH_SOCK=")) {
                    unexpected.add("agent did not start: " + Files.readString(agent.err).strip());
                    continue;
                }
                Path socket = Path.of(line.substring("SSH_AUTH_SOCK=".length(), line.indexOf(';')));
                for (KeyRecord k : keys) {
                    byte[] blob = SshPublicKeys.encode(k.tpmPublic().toPublicKey());
                    try {
                        counts[1] += AgentRoundTrip.measure(socket, blob, AGENT_RSA_SHA2_256, 1, "kill-verbs");
                    } catch (IOException e) {
                        unexpected.add("key " + k.label() + " did not sign: " + e.getMessage());
                    }
                }
            } finally {
                agent.process.destroy(); // SIGTERM: the agent flushes what it loaded
                if (!agent.process.waitFor(60, TimeUnit.SECONDS)) {
                    agent.process.destroyForcibly();
                }
            }
        }
    }

    private static String awaitLine(Run r, BufferedReader out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String line = out.readLine();
            if (line != null) {
                return line;
            }
            if (!r.process.isAlive()) {
                return null;
            }
            Thread.sleep(50);
        }
        return null;
    }

    // ---- the TPM, from our own connection (only between verbs: swtpm serves one client at a time) ----

    private List<Integer> handles(int range) throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).connect(TransportTimeouts.DEFAULT))) {
            return GetCapability.handles(tpm, range);
        }
    }

    private byte[] nameAt(int handle) throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).connect(TransportTimeouts.DEFAULT))) {
            return ReadPublic.name(tpm, handle);
        } catch (Exception e) {
            return new byte[0];
        }
    }

    // ---- processes ----

    /** One tpmssh JVM; its output goes to files, so nothing blocks on a full pipe. */
    private record Run(Process process, Path out, Path err, long started) {
        void delete() throws IOException {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private Run launch(List<String> verbArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty(
                "java.class.path"), Main.class.getName()));
        command.addAll(verbArgs);
        if (!verbArgs.contains("--store")) {
            command.addAll(List.of("--tcti", swtpm.tcti(), "--store", store.toString()));
        }
        Path out = Files.createTempFile(dir, "verb-", ".out");
        Path err = Files.createTempFile(dir, "verb-", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        return new Run(p, out, err, System.nanoTime());
    }

    private Path sshKeygen(String name, String... type) throws Exception {
        Path f = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("ssh-keygen", "-q", "-N", "", "-f", f.toString()));
        command.addAll(List.of(type));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("ssh-keygen " + String.join(" ", type) + " failed");
        }
        return f;
    }

    private Path secret(String name, String value) throws IOException {
        Path f = dir.resolve(name);
        Files.deleteIfExists(f);
        Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(f, value + "\n", StandardCharsets.UTF_8);
        return f;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** {@code KillVerbs KILLS [SEED [DIR]]}: prints the report; exit 1 when it is not clean. */
    public static void main(String[] args) throws Exception {
        int kills = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("tpmssh-kill-verbs-");
        System.out.println("kill-verbs: " + kills + " kills, seed " + seed + ", in " + dir);
        Report r = run(kills, seed, dir);
        System.out.print(r.markdown());
        System.exit(r.clean() ? 0 : 1);
    }
}
