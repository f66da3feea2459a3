package org.tpmssh.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.emulators.Tpm2Ptool;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.OpenSshServer;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.p11kit.P11KitClientModule;
import org.tpmssh.stack.p11kit.P11KitOptions;
import org.tpmssh.stack.p11kit.P11KitServer;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Cryptoki;
import org.tpmssh.stack.pkcs11.Session;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.stack.tpm2pkcs11.Tpm2Pkcs11Key;
import org.tpmssh.stack.tpm2pkcs11.Tpm2Pkcs11Store;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The two PKCS#11 modules a C program can load for TPM keys, timed side by side on one swtpm in one
 * run: p11-kit-client.so talking to our {@link P11KitServer}, and tpm2-pkcs11's libtpm2_pkcs11. Rows:
 * C_Sign through SunPKCS11 (a child JVM per module, as {@link Tpm2Pkcs11SideBySide} does) and a whole
 * {@code ssh -I <module> … true} login to a local sshd with a PIN key (PIN from SSH_ASKPASS), beside
 * the same login with a key file as baseline. Our half runs first straight on swtpm, then tpm2-abrmd
 * takes swtpm's one connection for tpm2-pkcs11's half.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.tpmssh.bench.P11KitSideBySide [signs] [logins]}.
 */
public final class P11KitSideBySide {
    static final String SIGN_ECC = "C_Sign ECDSA P-256 (SunPKCS11 SHA256withECDSA)";
    static final String SIGN_RSA = "C_Sign RSA-2048 (SunPKCS11 SHA256withRSA)";
    static final String LOGIN = "ssh -I login, ECDSA P-256 PIN key";
    private static final Duration SSH_TIMEOUT = Duration.ofSeconds(60);

    private P11KitSideBySide() {
    }

    public record Settings(int signWarmup, int signSamples, int loginWarmup, int loginSamples) {
    }

    /** One operation: p11-kit-client + our server, tpm2-pkcs11, and (for logins) a key file; nanoseconds. */
    public record Row(String operation, Histogram p11kit, Histogram tpm2pkcs11, Histogram keyFile) {
    }

    public static void main(String[] args) throws Exception {
        int signs = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int logins = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Path work = Files.createTempDirectory("p11kit-side-by-side-");
        System.out.print(table(run(work, new Settings(30, signs, 2, logins))));
    }

    /** Both halves on one fresh swtpm and one sshd under {@code work} (the caller's own folder). */
    public static List<Row> run(Path work, Settings s) throws Exception {
        Path p11kitModule = P11KitClientModule.find().orElseThrow(() -> new IOException(P11KitClientModule.missing()));
        Path fileKey = work.resolve("file_key");
        CommandResult keygen = CommandRunner.run(List.of("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-N", "",
                "-f", fileKey.toString()), Map.of(), SSH_TIMEOUT);
        if (!keygen.succeeded()) {
            throw new IOException("ssh-keygen failed: " + keygen.describe());
        }
        List<String> authorized = new ArrayList<>(List.of(Files.readString(Path.of(fileKey + ".pub")).strip()));
        Map<String, String> askpass = askpass(work.resolve("askpass"));
        Map<String, Histogram> ours = new LinkedHashMap<>();
        Map<String, Histogram> theirs = new LinkedHashMap<>();
        Histogram baseline;
        try (Swtpm swtpm = Swtpm.start(); OpenSshServer sshd = OpenSshServer.start(work.resolve("sshd"), authorized)) {
            OpenSshClient client = new OpenSshClient(work.resolve("client"), sshd);
            oursHalf(swtpm, sshd, client, p11kitModule, work.resolve("ours"), authorized, askpass, s, ours);
            theirsHalf(swtpm, sshd, client, work.resolve("tpm2-pkcs11"), authorized, askpass, s, theirs);
            List<String> fileLogin = client.command(Path.of("none")).stream()
                    .map(a -> a.equals("IdentityFile=none") ? "IdentityFile=" + fileKey : a).toList();
            for (int i = 0; i < s.loginWarmup(); i++) {
                login(fileLogin, Map.of());
            }
            baseline = Tpm2Pkcs11SideBySide.timed(s.loginSamples(), i -> login(fileLogin, Map.of()));
        }
        return List.of(new Row(SIGN_ECC, ours.get(SIGN_ECC), theirs.get(SIGN_ECC), null),
                new Row(SIGN_RSA, ours.get(SIGN_RSA), theirs.get(SIGN_RSA), null),
                new Row(LOGIN, ours.get(LOGIN), theirs.get(LOGIN), baseline));
    }

    private static void oursHalf(Swtpm swtpm, OpenSshServer sshd, OpenSshClient client, Path module, Path dir,
            List<String> authorized, Map<String, String> askpass, Settings s, Map<String, Histogram> out)
            throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            DictionaryAttack.relaxForOwnSimulator(tpm);
            KeyRing ring = KeyRing.open(tpm, ParentKind.ECC.template());
            try {
                Tokens tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
                tokens.init("tok", Tpm2Pkcs11SideBySide.PIN.toCharArray(),
                        Tpm2Pkcs11SideBySide.SO_PIN.toCharArray());
                KeyRecord ecc;
                try (Cryptoki module2 = new Cryptoki(tokens);
                        Session session = module2.openSession(module2.slotOf("tok"))) {
                    session.login(Ck.CKU_USER, Tpm2Pkcs11SideBySide.PIN.toCharArray());
                    ecc = session.createKey(KeyType.ECC_P256, "e0", false, null);
                    session.createKey(KeyType.RSA_2048, "r0", false, null);
                }
                try (P11KitServer server = P11KitServer.start(dir.resolve("run/p11kit.sock"), tokens, ParentKind.ECC,
                        P11KitOptions.defaults().withPlaceholderCertificates(true))) {
                    Map<String, Histogram> signs = Tpm2Pkcs11SideBySide.sunPkcs11Signs(module, server.environment(),
                            dir.resolve("pin"), s.signWarmup(), s.signSamples());
                    out.put(SIGN_ECC, signs.get("SHA256withECDSA"));
                    out.put(SIGN_RSA, signs.get("SHA256withRSA"));
                    String line = SshPublicKeys.authorizedKeysLine(SshPublicKeys.encode(ecc.tpmPublic().toPublicKey()), "e0");
                    out.put(LOGIN, logins(sshd, client, module, dir, line, authorized, env(server.environment(),
                            askpass), s));
                }
            } finally {
                ring.close();
            }
        }
    }

    private static void theirsHalf(Swtpm swtpm, OpenSshServer sshd, OpenSshClient client, Path dir,
            List<String> authorized, Map<String, String> askpass, Settings s, Map<String, Histogram> out)
            throws Exception {
        try (Tpm2Abrmd abrmd = Tpm2Abrmd.start(swtpm.tcti())) {
            Tpm2Ptool ptool = Tpm2Ptool.at(dir.resolve("store"), abrmd.environment());
            int pid = ptool.init();
            ptool.addToken(pid, "tok", Tpm2Pkcs11SideBySide.SO_PIN, Tpm2Pkcs11SideBySide.PIN);
            ptool.addKey("tok", "e0", Tpm2Pkcs11SideBySide.PIN, "ecc256");
            ptool.addKey("tok", "r0", Tpm2Pkcs11SideBySide.PIN, "rsa2048");
            String line = null;
            for (Tpm2Pkcs11Key k : Tpm2Pkcs11Store.read(ptool.store()).tokens().get(0).keys()) {
                Path cert = dir.resolve(k.label() + ".crt");
                Files.writeString(cert, Tpm2Pkcs11SideBySide.certificatePem(k.publicKey(), k.label()));
                ptool.addCert("tok", k.label(), cert);
                if (k.label().equals("e0")) {
                    line = k.authorizedKeysLine();
                }
            }
            Map<String, String> env = new LinkedHashMap<>(ptool.environment());
            env.put("TPM2_PKCS11_LOG_LEVEL", "0");
            Map<String, Histogram> signs = Tpm2Pkcs11SideBySide.sunPkcs11Signs(Tpm2Pkcs11SideBySide.MODULE, env,
                    dir.resolve("pin"), s.signWarmup(), s.signSamples());
            out.put(SIGN_ECC, signs.get("SHA256withECDSA"));
            out.put(SIGN_RSA, signs.get("SHA256withRSA"));
            out.put(LOGIN, logins(sshd, client, Tpm2Pkcs11SideBySide.MODULE, dir, line, authorized, env(env, askpass),
                    s));
        }
    }

    /** Timed {@code ssh -I module … true} logins with the key of {@code line}, which sshd is told to accept. */
    private static Histogram logins(OpenSshServer sshd, OpenSshClient client, Path module, Path dir, String line,
            List<String> authorized, Map<String, String> env, Settings s) throws Exception {
        authorized.add(line);
        sshd.setAuthorizedKeys(authorized);
        Files.createDirectories(dir);
        Path pub = Files.writeString(dir.resolve("login.pub"), line + "\n");
        List<String> command = client.pkcs11Command(module, List.of(pub));
        for (int i = 0; i < s.loginWarmup(); i++) {
            login(command, env);
        }
        return Tpm2Pkcs11SideBySide.timed(s.loginSamples(), i -> login(command, env));
    }

    private static void login(List<String> command, Map<String, String> env) throws Exception {
        List<String> full = new ArrayList<>(command);
        full.add("true");
        CommandResult r = CommandRunner.run(full, env, SSH_TIMEOUT);
        if (!r.succeeded()) {
            throw new IOException("ssh login failed: " + r.describe());
        }
    }

    /** SSH_ASKPASS with the PIN from a 0600 file, as a user's askpass would answer. */
    private static Map<String, String> askpass(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path pin = dir.resolve("pin");
        Files.writeString(pin, Tpm2Pkcs11SideBySide.PIN + "\n");
        Files.setPosixFilePermissions(pin, PosixFilePermissions.fromString("rw-------"));
        Path script = dir.resolve("askpass");
        Files.writeString(script, "#!/bin/sh\ncat '" + pin + "'\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return Map.of("SSH_ASKPASS", script.toString(), "SSH_ASKPASS_REQUIRE", "force");
    }

    private static Map<String, String> env(Map<String, String> a, Map<String, String> b) {
        Map<String, String> out = new LinkedHashMap<>(a);
        out.putAll(b);
        return out;
    }

    /** p50, p95, p99 in ms per module; tpm2-pkcs11 / p11-kit at p50; and the key-file login where there is one. */
    public static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-48s %5s | %8s %8s %8s | %8s %8s %8s | %6s | %8s%n", "operation", "n",
                "p11kit50", "p95", "p99", "tpm2p50", "p95", "p99", "x p50", "file p50"));
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%-48s %5d | %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f | %6.2f | %8s%n",
                    r.operation(), r.p11kit().getTotalCount(), Tpm2Pkcs11SideBySide.ms(r.p11kit(), 50),
                    Tpm2Pkcs11SideBySide.ms(r.p11kit(), 95), Tpm2Pkcs11SideBySide.ms(r.p11kit(), 99),
                    Tpm2Pkcs11SideBySide.ms(r.tpm2pkcs11(), 50), Tpm2Pkcs11SideBySide.ms(r.tpm2pkcs11(), 95),
                    Tpm2Pkcs11SideBySide.ms(r.tpm2pkcs11(), 99),
                    (double) r.tpm2pkcs11().getValueAtPercentile(50) / r.p11kit().getValueAtPercentile(50),
                    r.keyFile() == null ? "-" : String.format(Locale.ROOT, "%.2f",
                            Tpm2Pkcs11SideBySide.ms(r.keyFile(), 50))));
        }
        b.append("(ms; x = tpm2-pkcs11 / p11-kit; same swtpm, same sshd, same run; file = ssh -i with a key file)\n");
        return b.toString();
    }
}
