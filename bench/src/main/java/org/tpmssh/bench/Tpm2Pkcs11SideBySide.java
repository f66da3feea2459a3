package org.tpmssh.bench;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.emulators.Tpm2Ptool;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.keys.PassphraseSource;
import org.tpmssh.stack.keys.PrivateKeyFiles;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Cryptoki;
import org.tpmssh.stack.pkcs11.Mechanism;
import org.tpmssh.stack.pkcs11.Session;
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
 * Our stack and the packaged tpm2-pkcs11 timed on the same swtpm in one run: C_Sign, key creation
 * and key import (docs/tpm2-pkcs11.md).
 */
public final class Tpm2Pkcs11SideBySide {
    /** Debian's multiarch path of the module; TPMSSH_TPM2_PKCS11_MODULE overrides it. */
    public static final Path MODULE = Path.of(System.getenv().getOrDefault("TPMSSH_TPM2_PKCS11_MODULE",
            "/usr/lib/x86_64-linux-gnu/libtpm2_pkcs11.so.1"));

    static final String PIN = "2468";
    static final String SO_PIN = "so-1357";

    private Tpm2Pkcs11SideBySide() {
    }

    /** How many samples each row takes; RSA key generation dominates the run time. */
    public record Settings(int signWarmup, int signSamples, int eccCreates, int rsaCreates, int imports) {
    }

    /** One operation, both stacks; latencies in nanoseconds. */
    public record Row(String operation, Histogram ours, Histogram theirs) {
        public double ratioAt(double percentile) {
            return (double) theirs.getValueAtPercentile(percentile) / ours.getValueAtPercentile(percentile);
        }
    }

    public static void main(String[] args) throws Exception {
        int signs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int creates = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path work = Files.createTempDirectory("side-by-side-");
        List<Row> rows = run(work, new Settings(50, signs, creates, Math.max(3, creates / 4), creates));
        System.out.print(table(rows));
    }

    /** Runs both halves on one fresh swtpm under {@code work} (the caller's own folder). */
    public static List<Row> run(Path work, Settings s) throws Exception {
        Map<String, Histogram> ours = new LinkedHashMap<>();
        Map<String, Histogram> theirs = new LinkedHashMap<>();
        List<Path> pems = importPems(work.resolve("import"), s.imports());
        try (Swtpm swtpm = Swtpm.start()) {
            oursHalf(swtpm, work.resolve("ours"), s, pems, ours);
            theirsHalf(swtpm, work.resolve("tpm2-pkcs11"), s, pems, theirs);
        }
        List<Row> rows = new ArrayList<>();
        for (String op : ours.keySet()) {
            rows.add(new Row(op, ours.get(op), theirs.get(op)));
        }
        return rows;
    }

    static final String SIGN_ECC = "C_Sign ECDSA P-256 (CKM_ECDSA_SHA256)";
    static final String SIGN_RSA = "C_Sign RSA-2048 (CKM_SHA256_RSA_PKCS)";
    static final String CREATE_ECC = "create key ECC P-256";
    static final String CREATE_RSA = "create key RSA-2048";
    static final String IMPORT_ECC = "import key ECC P-256 (PEM)";

    private static void oursHalf(Swtpm swtpm, Path storeDir, Settings s, List<Path> pems, Map<String, Histogram> out)
            throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
            DictionaryAttack.relaxForOwnSimulator(tpm);
            KeyRing ring = KeyRing.open(tpm, ParentKind.ECC.template());
            Tokens tokens = new Tokens(TokenStore.open(storeDir), ring, ParentKind.ECC);
            tokens.init("tok", PIN.toCharArray(), SO_PIN.toCharArray());
            try (Cryptoki module = new Cryptoki(tokens); Session session = module.openSession(module.slotOf("tok"))) {
                session.login(Ck.CKU_USER, PIN.toCharArray());
                List<KeyRecord> ecc = new ArrayList<>();
                out.put(CREATE_ECC, timed(s.eccCreates(), i -> ecc.add(session.createKey(KeyType.ECC_P256, "e" + i,
                        false, null))));
                List<KeyRecord> rsa = new ArrayList<>();
                out.put(CREATE_RSA, timed(s.rsaCreates(), i -> rsa.add(session.createKey(KeyType.RSA_2048, "r" + i,
                        false, null))));
                out.put(SIGN_ECC, oursSign(session, ecc.get(0), Ck.CKM_ECDSA_SHA256, "SHA256withECDSAinP1363Format",
                        s));
                out.put(SIGN_RSA, oursSign(session, rsa.get(0), Ck.CKM_SHA256_RSA_PKCS, "SHA256withRSA", s));
                byte[] secret = tokens.loginUser("tok", PIN.toCharArray());
                try {
                    List<KeyPair> pairs = new ArrayList<>();
                    for (Path pem : pems) {
                        pairs.add(PrivateKeyFiles.read(pem, PassphraseSource.none())); // parsing is not timed
                    }
                    out.put(IMPORT_ECC, timed(s.imports(), i -> TokenKeys.importKey(tokens, "tok", "i" + i,
                            pairs.get(i), false, null, secret)));
                } finally {
                    java.util.Arrays.fill(secret, (byte) 0);
                }
            } finally {
                ring.close();
            }
        }
    }

    private static Histogram oursSign(Session session, KeyRecord key, long mechanism, String jcaAlgorithm,
            Settings s) throws Exception {
        List<Long> h = session.findObjects(Map.of(Ck.CKA_CLASS, Ck.CKO_PRIVATE_KEY,
                Ck.CKA_ID, HexFormat.of().parseHex(key.id())));
        long handle = h.get(0);
        byte[] data = new byte[64];
        byte[][] last = new byte[1][];
        for (int i = 0; i < s.signWarmup(); i++) {
            session.signInit(Mechanism.of(mechanism), handle);
            session.sign(data);
        }
        Histogram hist = timed(s.signSamples(), i -> {
            data[0] = (byte) i;
            session.signInit(Mechanism.of(mechanism), handle);
            last[0] = session.sign(data);
        });
        verify(jcaAlgorithm, key.tpmPublic().toPublicKey(), data, last[0], "our " + key.label());
        return hist;
    }

    private static void theirsHalf(Swtpm swtpm, Path storeDir, Settings s, List<Path> pems,
            Map<String, Histogram> out)
            throws Exception {
        try (Tpm2Abrmd abrmd = Tpm2Abrmd.start(swtpm.tcti())) {
            Tpm2Ptool ptool = Tpm2Ptool.at(storeDir, abrmd.environment());
            int pid = ptool.init();
            ptool.addToken(pid, "tok", SO_PIN, PIN);
            out.put(CREATE_ECC, timed(s.eccCreates(), i -> ptool.addKey("tok", "e" + i, PIN, "ecc256")));
            out.put(CREATE_RSA, timed(s.rsaCreates(), i -> ptool.addKey("tok", "r" + i, PIN, "rsa2048")));
            out.put(IMPORT_ECC, timed(s.imports(), i -> ptool.importKey("tok", "i" + i, PIN, "ecc", pems.get(i))));

            // SunPKCS11 lists only keys with a certificate: one for e0 and r0, made from the store's public keys.
            for (Tpm2Pkcs11Key k : Tpm2Pkcs11Store.read(storeDir).tokens().get(0).keys()) {
                if (k.label().equals("e0") || k.label().equals("r0")) {
                    Path cert = storeDir.resolveSibling(k.label() + ".crt");
                    Files.writeString(cert, certificatePem(k.publicKey(), k.label()));
                    ptool.addCert("tok", k.label(), cert);
                }
            }
            Map<String, String> env = new LinkedHashMap<>(ptool.environment());
            env.put("TPM2_PKCS11_LOG_LEVEL", "0");
            Map<String, Histogram> signs = sunPkcs11Signs(MODULE, env, storeDir.resolveSibling("pin"), s.signWarmup(),
                    s.signSamples());
            out.put(SIGN_ECC, signs.get("SHA256withECDSA"));
            out.put(SIGN_RSA, signs.get("SHA256withRSA"));
        }
    }

    /**
     * The SunPKCS11 loop on {@code module} in a child JVM whose environment adds {@code env} (the store and
     * TCTI for tpm2-pkcs11, the server address for p11-kit-client): samples per JCA algorithm.
     */
    static Map<String, Histogram> sunPkcs11Signs(Path module, Map<String, String> env, Path pinFile, int warmup,
            int samples) throws Exception {
        Files.writeString(pinFile, PIN + "\n");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(SunPkcs11SignLoop.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", classes, SunPkcs11SignLoop.class.getName(),
                module.toString(), pinFile.toString(), Integer.toString(warmup),
                Integer.toString(samples)).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                throw new IOException("the SunPKCS11 loop did not finish");
            }
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        if (p.exitValue() != 0) {
            throw new IOException("the SunPKCS11 loop failed (exit " + p.exitValue() + "): " + output);
        }
        Map<String, Histogram> byAlgorithm = new LinkedHashMap<>();
        for (String line : output.lines().filter(l -> l.startsWith("SAMPLES ")).toList()) {
            String[] f = line.split(" ");
            Histogram h = histogram();
            for (String ns : f[3].split(",")) {
                h.recordValue(Long.parseLong(ns));
            }
            byAlgorithm.put(f[2], h);
        }
        if (byAlgorithm.size() != 2) {
            throw new IOException("SunPKCS11 did not sign with both keys: " + output);
        }
        return byAlgorithm;
    }

    /** The table: p50, p95, p99 per stack in ms, and tpm2-pkcs11 / ours at p50 and p99. */
    public static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-40s %6s | %9s %9s %9s | %9s %9s %9s | %7s %7s%n", "operation", "n",
                "ours p50", "p95", "p99", "p11 p50", "p95", "p99", "x p50", "x p99"));
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "%-40s %6d | %9.2f %9.2f %9.2f | %9.2f %9.2f %9.2f | %7.2f %7.2f%n",
                    r.operation(), r.ours().getTotalCount(), ms(r.ours(), 50), ms(r.ours(), 95), ms(r.ours(), 99),
                    ms(r.theirs(), 50), ms(r.theirs(), 95), ms(r.theirs(), 99), r.ratioAt(50), r.ratioAt(99)));
        }
        b.append("(ms; x = tpm2-pkcs11 / ours; same swtpm, same run; tpm2_ptool rows include its Python start-up)\n");
        return b.toString();
    }

    static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }

    @FunctionalInterface
    interface Step {
        void run(int i) throws Exception;
    }

    static Histogram timed(int n, Step step) throws Exception {
        Histogram h = histogram();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            step.run(i);
            h.recordValue(System.nanoTime() - t0);
        }
        return h;
    }

    static Histogram histogram() {
        return new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
    }

    /** P-256 keys as PKCS#8 PEM from openssl, the files a user would import into either stack. */
    private static List<Path> importPems(Path dir, int n) throws Exception {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path f = dir.resolve("import-" + i + ".pem");
            Process p = new ProcessBuilder("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-out", f.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IOException("openssl genpkey failed: " + output);
            }
            out.add(f);
        }
        return out;
    }

    /** A certificate for {@code key}, signed by a throwaway key: SunPKCS11 needs one, and trusts none. */
    static String certificatePem(PublicKey key, String cn) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair issuer = g.generateKeyPair();
        X500Name name = new X500Name("CN=" + cn);
        Instant now = Instant.now();
        X509CertificateHolder cert = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(new SecureRandom()
                .nextInt(Integer.MAX_VALUE)), java.util.Date.from(now.minus(Duration.ofDays(1))),
                java.util.Date.from(now.plus(Duration.ofDays(30))), name, key)
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate()));
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(cert);
        }
        return w.toString();
    }

    private static void verify(String algorithm, PublicKey key, byte[] data, byte[] sig, String what)
            throws Exception {
        Signature v = Signature.getInstance(algorithm);
        v.initVerify(key);
        v.update(data);
        if (!v.verify(sig)) {
            throw new IllegalStateException(what + ": the signature does not verify");
        }
    }
}
