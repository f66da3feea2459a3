package org.tpmssh.harness.tpm2pkcs11;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tpmssh.emulators.EmulatorException;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.harness.wire.ChipProfile;
import org.tpmssh.harness.wire.TpmWireProxy;
import org.tpmssh.harness.wire.WireScan;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.Tcti;

/**
 * One tpm2-pkcs11 store that the harness provisions and drives through the installed {@code tpm2_ptool}, in a temp
 * dir on its own TPM connection; closing it stops what it started.
 */
public final class PtoolStore implements AutoCloseable {
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(120);

    private final Tpm2Pkcs11Installation installation;
    private final Path dir;
    private final Path store;
    private final Swtpm companion;
    private final TpmWireProxy wire;
    private final Tpm2Abrmd abrmd;
    private final Map<String, String> environment;

    private PtoolStore(Tpm2Pkcs11Installation installation, Path dir, Swtpm companion, TpmWireProxy wire,
            Tpm2Abrmd abrmd, Map<String, String> tpm) {
        this.installation = installation;
        this.dir = dir;
        this.store = dir.resolve("store");
        this.companion = companion;
        this.wire = wire;
        this.abrmd = abrmd;
        Map<String, String> env = new HashMap<>(tpm);
        env.put("TPM2_PKCS11_STORE", store.toString());
        env.put("PATH", installation.searchPath().asPathVariable());
        this.environment = Map.copyOf(env);
    }

    /** What tpm2-tools and the module need to reach a device ({@code device:/dev/tpmrm0}) directly. */
    public static Map<String, String> tctiEnvironment(String tcti) {
        return Map.of("TPM2TOOLS_TCTI", tcti, "TPM2_PKCS11_TCTI", tcti);
    }

    /**
     * A store in {@code dir} on a TPM: the one {@code sharedTpm} reaches (the TCTIs and bus of a kernel resource
     * manager or of the run's tpm2-abrmd), or, when null, a swtpm of its own behind a private tpm2-abrmd (see
     * {@link Tpm2Pkcs11Stack} for why). A store already in {@code dir} is opened again as it is, so a stack dir
     * that outlives a TPM restart finds its tokens and keys.
     */
    public static PtoolStore open(Tpm2Pkcs11Installation installation, Path dir, Map<String, String> sharedTpm,
            boolean unixSocket) throws Exception {
        return open(installation, dir, sharedTpm, unixSocket, false, Optional.empty());
    }

    /**
     * As {@link #open(Tpm2Pkcs11Installation, Path, Map, boolean)}; with {@code wire}, a wire proxy sits between
     * a companion's private tpm2-abrmd and its swtpm, adding the chip's delays if the profile names one, as the
     * run's backend has.
     */
    public static PtoolStore open(Tpm2Pkcs11Installation installation, Path dir, Map<String, String> sharedTpm,
            boolean unixSocket, boolean wire, Optional<ChipProfile> latencyProfile) throws Exception {
        Swtpm swtpm = null;
        TpmWireProxy proxy = null;
        Tpm2Abrmd abrmd = null;
        try {
            if (sharedTpm == null) {
                swtpm = Swtpm.builder().unixSocket(unixSocket).start();
                try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
                    DictionaryAttack.relaxForOwnSimulator(tpm);
                }
                if (wire) {
                    proxy = TpmWireProxy.builder(swtpm.tcti()).latencyProfile(latencyProfile.orElse(null)).start();
                }
                try {
                    abrmd = Tpm2Abrmd.builder(proxy != null ? proxy.tcti() : swtpm.tcti())
                            .searchPath(installation.searchPath()).start();
                } catch (EmulatorException e) {
                    throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.ABRMD_MISSING,
                            "tpm2-abrmd is not installed or did not start, and tpm2-pkcs11 needs it on swtpm: "
                            + e.getMessage(), e);
                }
            }
            boolean existing = Files.isRegularFile(dir.resolve("store").resolve("tpm2_pkcs11.sqlite3"));
            Files.createDirectories(dir.resolve("store"));
            PtoolStore s = new PtoolStore(installation, dir, swtpm, proxy, abrmd,
                    sharedTpm != null ? sharedTpm : abrmd.environment());
            if (existing) {
                return s;
            }
            s.ptool("init", List.of("init"));
            s.ptool("addtoken (PIN token)", List.of("addtoken", "--pid=1", "--label=" + StackAdapter.PIN_TOKEN,
                    "--userpin=" + StackAdapter.PIN, "--sopin=" + StackAdapter.SO_PIN));
            // tpm2-pkcs11 1.9 requires --userpin; an empty one makes a token without CKF_LOGIN_REQUIRED.
            s.ptool("addtoken (PIN-less token)", List.of("addtoken", "--pid=1",
                    "--label=" + StackAdapter.PINLESS_TOKEN, "--userpin=", "--sopin=" + StackAdapter.SO_PIN));
            return s;
        } catch (Exception | Error e) {
            if (abrmd != null) {
                abrmd.close();
            }
            if (proxy != null) {
                proxy.close();
            }
            if (swtpm != null) {
                swtpm.close();
            }
            throw e;
        }
    }

    /** The wire proxy in front of this store's own swtpm, if it has one. */
    public Optional<TpmWireProxy> wire() {
        return Optional.ofNullable(wire);
    }

    /**
     * The seal authValues tpm2_ptool derived for each token (tpm2_pkcs11/utils.py hash_pass): the first 32 hex
     * characters of SHA-256(PIN || salt), used as the password, with the salts from the store's sealobjects
     * table; for a scan of the wire, which must know what to look for.
     */
    public List<WireScan.Secret> sealAuthValues(String userPin, String soPin) throws Exception {
        return sealAuthValues(store.resolve("tpm2_pkcs11.sqlite3"), userPin, soPin);
    }

    /** As {@link #sealAuthValues(String, String)}, for the store database {@code db} of any tpm2-pkcs11 store. */
    public static List<WireScan.Secret> sealAuthValues(Path db, String userPin, String soPin) throws Exception {
        List<WireScan.Secret> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet r = c.createStatement().executeQuery(
                        "SELECT tokid, userauthsalt, soauthsalt FROM sealobjects ORDER BY tokid")) {
            while (r.next()) {
                String token = " of token " + r.getInt(1);
                if (!userPin.isEmpty()) {
                    out.add(new WireScan.Secret("user seal authValue" + token, sealAuth(userPin, r.getString(2))));
                }
                out.add(new WireScan.Secret("SO seal authValue" + token, sealAuth(soPin, r.getString(3))));
            }
        }
        return out;
    }

    private static byte[] sealAuth(String pin, String salt) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        md.update(pin.getBytes(StandardCharsets.UTF_8));
        md.update(salt.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest()).substring(0, 32).getBytes(StandardCharsets.US_ASCII);
    }

    public Tpm2Pkcs11Installation installation() {
        return installation;
    }

    /** TPM2_PKCS11_STORE, the TCTIs and the bus: what every process that loads the module needs. */
    public Map<String, String> environment() {
        return environment;
    }

    public Path storeDir() {
        return store;
    }

    /** A fresh directory of this store's own, e.g. for a key file or a certificate. */
    Path scratch(String prefix) throws java.io.IOException {
        return Files.createTempDirectory(dir, prefix);
    }

    /**
     * Fails with {@link Tpm2Pkcs11Exception.Fault#STORE_NOT_FOUND} when the module would not find its store:
     * tpm2-pkcs11 falls back to ~/.tpm2_pkcs11 (and creates it) instead of saying so.
     */
    void requireStore(Map<String, String> env) throws Tpm2Pkcs11Exception {
        Path configured = Path.of(env.getOrDefault("TPM2_PKCS11_STORE", ""));
        if (!Files.isRegularFile(configured.resolve("tpm2_pkcs11.sqlite3"))) {
            throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STORE_NOT_FOUND, "the module cannot find its"
                    + " store (TPM2_PKCS11_STORE=" + configured + " has no tpm2_pkcs11.sqlite3)");
        }
    }

    /**
     * Runs {@code tpm2_ptool args} in this store. The step is named in the failure; the arguments are not,
     * because they carry PINs (tpm2_ptool 1.9 takes them only on the command line).
     */
    String ptool(String step, List<String> args) throws Exception {
        requireStoreDir();
        List<String> command = new ArrayList<>(List.of(installation.ptool().toString()));
        command.addAll(args);
        CommandResult r = CommandRunner.run(command, environment, STEP_TIMEOUT);
        if (!r.succeeded()) {
            throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STEP_FAILED, "tpm2_ptool " + step
                    + " failed (exit " + r.exitCode() + "): " + redact(r.stderr().strip()));
        }
        return r.stdout();
    }

    private void requireStoreDir() throws Tpm2Pkcs11Exception {
        if (!Files.isDirectory(store)) {
            throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STORE_NOT_FOUND,
                    "the module cannot find its store (TPM2_PKCS11_STORE=" + store + " does not exist)");
        }
    }

    private static String redact(String text) {
        return text.replace(StackAdapter.PIN, "<pin>").replace(StackAdapter.SO_PIN, "<so-pin>");
    }

    /** Runs another program that loads the module (ssh-keygen -D), with this store's environment. */
    CommandResult run(List<String> command, Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(environment);
        env.putAll(extra);
        requireStore(env);
        return CommandRunner.run(command, env, STEP_TIMEOUT);
    }

    @Override
    public void close() {
        try {
            if (abrmd != null) {
                abrmd.close();
            }
        } finally {
            if (wire != null) {
                wire.close();
            }
            if (companion != null) {
                companion.close();
            }
        }
    }
}
