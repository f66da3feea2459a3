package org.tpmssh.emulators;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the installed {@code tpm2_ptool} on a tpm2-pkcs11 store the caller owns, through
 * tpm2-abrmd, one reaped process per call, with PINs masked in every message.
 */
public final class Tpm2Ptool {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Set<String> SECRET_OPTIONS = Set.of("--userpin", "--sopin", "--auth", "--hierarchy-auth",
            "--primary-auth", "--passin");
    private static final Pattern YAML_ID = Pattern.compile("(?m)^id:\\s*(\\d+)\\s*$");

    private final Path store;
    private final Map<String, String> environment;

    private Tpm2Ptool(Path store, Map<String, String> environment) {
        this.store = store;
        this.environment = Map.copyOf(environment);
    }

    /** A tool bound to {@code store} (created if absent) and the TPM that {@code tpmEnvironment} reaches. */
    public static Tpm2Ptool at(Path store, Map<String, String> tpmEnvironment) throws IOException {
        Files.createDirectories(store);
        Map<String, String> env = new HashMap<>(tpmEnvironment);
        env.put("TPM2_PKCS11_STORE", store.toString());
        // tpm2_ptool's tpm2-tools children log to stderr; keep the user's home out of reach.
        env.put("HOME", store.toString());
        return new Tpm2Ptool(store, env);
    }

    public Path store() {
        return store;
    }

    /** What a process using the store and libtpm2_pkcs11 needs (TPM2_PKCS11_STORE, the TCTI, the bus). */
    public Map<String, String> environment() {
        return environment;
    }

    /** {@code tpm2_ptool init}: a persistent primary (the default); its id. */
    public int init(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("init"));
        args.addAll(List.of(extra));
        Matcher m = YAML_ID.matcher(run(args));
        if (!m.find()) {
            throw new IOException("tpm2_ptool init printed no primary id");
        }
        return Integer.parseInt(m.group(1));
    }

    /** {@code tpm2_ptool addtoken}; an empty user PIN makes a token whose keys need no PIN. */
    public void addToken(int primaryId, String label, String soPin, String userPin) throws IOException {
        run(List.of("addtoken", "--pid=" + primaryId, "--label=" + label, "--sopin=" + soPin, "--userpin=" + userPin));
    }

    /** {@code tpm2_ptool addkey} with an algorithm such as ecc256, ecc384 or rsa2048. */
    public void addKey(String token, String keyLabel, String userPin, String algorithm) throws IOException {
        run(List.of("addkey", "--label=" + token, "--key-label=" + keyLabel, "--userpin=" + userPin,
                "--algorithm=" + algorithm));
    }

    /** {@code tpm2_ptool import} of a PEM or OpenSSH private key file. */
    public void importKey(String token, String keyLabel, String userPin, String algorithm, Path privateKey)
            throws IOException {
        run(List.of("import", "--label=" + token, "--key-label=" + keyLabel, "--userpin=" + userPin,
                "--algorithm=" + algorithm, "--privkey=" + privateKey));
    }

    /** {@code tpm2_ptool addcert}: a certificate for a key, which SunPKCS11 needs to list it. */
    public void addCert(String token, String keyLabel, Path certPem) throws IOException {
        run(List.of("addcert", "--label=" + token, "--key-label=" + keyLabel, certPem.toString()));
    }

    /** {@code tpm2_ptool export --format=pem}: writes {@code <prefix>.pem}; returns tpm2_ptool's YAML report. */
    public String exportPem(String token, String keyLabel, String userPin, Path outputPrefix) throws IOException {
        return run(List.of("export", "--label=" + token, "--key-label=" + keyLabel, "--userpin=" + userPin,
                "--format=pem", "--output-prefix=" + outputPrefix));
    }

    /** {@code tpm2_ptool link} of a TSS2 PEM key; {@code auth} is the key's own authValue ("" for none). */
    public String link(String token, String keyLabel, String userPin, Path tss2Pem, String auth) throws IOException {
        List<String> args = new ArrayList<>(List.of("link", "--label=" + token, "--key-label=" + keyLabel,
                "--userpin=" + userPin));
        if (auth != null && !auth.isEmpty()) {
            args.add("--auth=" + auth);
        }
        args.add(tss2Pem.toString());
        return run(args);
    }

    /** Runs {@code tpm2_ptool <args> --path <store>}; stdout on success, else an exception with masked args. */
    public String run(List<String> args) throws IOException {
        Result r = tryRun(args);
        if (r.exit() != 0) {
            throw new IOException("tpm2_ptool " + masked(args) + " failed (exit " + r.exit() + "): "
                    + scrubbed(lastLines(r.stderr() + r.stdout()), args));
        }
        return r.stdout();
    }

    /** The outcome of one run, failed or not; stdout and stderr as text. */
    public record Result(int exit, String stdout, String stderr) {
    }

    /** Runs without judging the exit code. */
    public Result tryRun(List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("tpm2_ptool");
        command.addAll(args);
        command.add("--path=" + store);
        Path out = Files.createTempFile(store.getParent(), "ptool-", ".out");
        Path err = Files.createTempFile(store.getParent(), "ptool-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
                    Path.of("/dev/null").toFile())).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(environment);
            Process p = ChildProcesses.start(pb);
            try {
                if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly().waitFor();
                    throw new IOException("tpm2_ptool " + masked(args) + " did not finish in " + TIMEOUT.toSeconds()
                            + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while tpm2_ptool ran", e);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The arguments with every secret option's value replaced by ***. */
    static String masked(List<String> args) {
        List<String> shown = new ArrayList<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            shown.add(eq > 0 && SECRET_OPTIONS.contains(a.substring(0, eq)) ? a.substring(0, eq) + "=***" : a);
        }
        return String.join(" ", shown);
    }

    /**
     * tpm2_ptool's own errors quote the tpm2-tools command it ran, with the key's object auth
     * after {@code -p}; that and every secret argument value are masked before text leaves here.
     */
    static String scrubbed(String text, List<String> args) {
        String out = text.replaceAll("(\\s-[pP]\\s+)\\S+", "$1***")
                .replaceAll("(?i)(object-auth:\\s*)\\S+", "$1***");
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq > 0 && SECRET_OPTIONS.contains(a.substring(0, eq)) && a.length() > eq + 1) {
                out = out.replace(a.substring(eq + 1), "***");
            }
        }
        return out;
    }

    private static String lastLines(String text) {
        List<String> lines = text.strip().lines().toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }
}
