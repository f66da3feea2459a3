package org.tpmssh.harness.tpm2pkcs11;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.opentest4j.TestAbortedException;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.tpmssh.axes.Backend;
import org.tpmssh.axes.BuiltInStack;
import org.tpmssh.axes.Client;
import org.tpmssh.axes.Combination;
import org.tpmssh.axes.ReportKeys;
import org.tpmssh.harness.backends.TpmBackend;
import org.tpmssh.harness.stacks.Pkcs11ModuleAgent;
import org.tpmssh.harness.stacks.StackAdapter;
import org.tpmssh.harness.wire.TpmWireProxy;
import org.tpmssh.harness.wire.WireScan;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshAgentProcess;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.ssh.SshPublicKeys;

/**
 * The distribution's tpm2-pkcs11 as a stack under test, driven only through its installed packages and clients (see
 * docs/harness.md, "Stacks").
 */
public final class Tpm2Pkcs11Stack implements StackAdapter {
    public static final String NAME = BuiltInStack.TPM2_PKCS11.label();
    private static final AtomicLong LABELS = new AtomicLong();

    private final String combination;

    public Tpm2Pkcs11Stack(String combination) {
        this.combination = combination;
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * The installed packages as {@code tpmssh.package.<name>} entries, and the module and tpm2_ptool found, so a
     * maintainer's JUnit XML says which build passed; a broken installation is named here too.
     */
    @Override
    public Map<String, String> reportEntries() {
        Map<String, String> entries = new java.util.TreeMap<>();
        try {
            Tpm2Pkcs11Installation found = installed();
            found.packages().forEach((name, version) -> entries.put(ReportKeys.PACKAGE_PREFIX + name, version));
            entries.put("tpmssh.tpm2-pkcs11.module", found.module().toString());
            entries.put("tpmssh.tpm2-pkcs11.ptool", found.ptool().toString());
        } catch (Tpm2Pkcs11Exception e) {
            entries.put("tpmssh.tpm2-pkcs11.installation", e.getMessage());
        }
        return entries;
    }

    private static volatile Tpm2Pkcs11Installation installed;

    /** The installation, looked up once per JVM: the package queries take a process each. */
    private static Tpm2Pkcs11Installation installed() throws Tpm2Pkcs11Exception {
        Tpm2Pkcs11Installation found = installed;
        if (found == null) {
            found = Tpm2Pkcs11Installation.find();
            installed = found;
        }
        return found;
    }

    @Override
    public Optional<String> unavailable(Combination c) {
        return switch (c.backend()) {
            case SWTPM_TCP, SWTPM_UNIX, DEVICE, SWTPM_ABRMD -> Optional.empty();
            case MSSIM, CONTAINER_HOST, CONTAINER_TESTING, CONTAINER_TRIXIE, SWTPM_AS_DEVICE -> Optional.of(
                    "the tpm2-pkcs11 stack runs on swtpm (behind tpm2-abrmd) or a kernel resource manager device,"
                    + " not on " + c.backend().label());
        };
    }

    @Override
    public Optional<String> elsewhere(TpmBackend backend) {
        return sharedTpm(backend).isPresent() ? Optional.empty() : Optional.of("on " + backend.kind().label()
                + " the tpm2-pkcs11 stack runs on a companion swtpm behind tpm2-abrmd, since swtpm serves one"
                + " connection and the run holds it; " + Backend.SWTPM_ABRMD.label() + " shares the run's TPM");
    }

    /**
     * The backend's store and tokens, made on first use (or found again in a stack dir that outlived a restart)
     * and closed with the backend. It lives on the run's own TPM where other clients can share it: behind the
     * run's tpm2-abrmd, or a device's kernel resource manager; on a bare swtpm, which the run's connection holds,
     * on a companion swtpm.
     */
    public static PtoolStore store(TpmBackend backend) throws Exception {
        return backend.shared("tpm2-pkcs11-store", () -> PtoolStore.open(installed(),
                backend.stackDir().resolve("tpm2-pkcs11"), sharedTpm(backend).orElse(null),
                backend.kind() == Backend.SWTPM_UNIX, backend.wire().isPresent(),
                backend.wire().flatMap(TpmWireProxy::latencyProfile)));
    }

    /** How another process reaches the run's own TPM, or empty when only the run's connection can. */
    private static Optional<Map<String, String>> sharedTpm(TpmBackend backend) {
        if (backend.abrmd().isPresent()) {
            return Optional.of(backend.abrmd().get().environment());
        }
        return backend.kind() == Backend.DEVICE ? Optional.of(PtoolStore.tctiEnvironment(backend.tcti()))
                : Optional.empty();
    }

    /** The store and its tokens exist (tpm2_ptool init and addtoken ran). */
    @Override
    public void settle(TpmBackend backend) throws Exception {
        store(backend);
    }

    /** The PINs, and the seal authValues tpm2_ptool derived from them ({@link PtoolStore#sealAuthValues}). */
    @Override
    public List<WireScan.Secret> wireSecrets(TpmBackend backend) throws Exception {
        List<WireScan.Secret> out = new ArrayList<>(StackAdapter.super.wireSecrets(backend));
        out.addAll(store(backend).sealAuthValues(PIN, SO_PIN));
        return out;
    }

    /**
     * The run's own proxy where the stack shares the run's TPM (swtpm-abrmd), else, on a simulator backend, the proxy
     * in front of this stack's companion swtpm; none on a device.
     */
    @Override
    public Optional<TpmWireProxy> wire(TpmBackend backend) throws Exception {
        if (backend.wire().isEmpty() || sharedTpm(backend).isPresent()) {
            return backend.wire();
        }
        return store(backend).wire();
    }

    private static String algorithm(KeyType type) {
        return switch (type) {
            case ECC_P256 -> "ecc256";
            case ECC_P384 -> "ecc384";
            case ECC_P521 -> "ecc521";
            case RSA_2048 -> "rsa2048";
            case RSA_3072 -> "rsa3072";
        };
    }

    private static String userPin(boolean pinless) {
        return "--userpin=" + (pinless ? "" : PIN);
    }

    @Override
    public Key createKey(TpmBackend backend, KeyType type, boolean pinless, String comment) throws Exception {
        PtoolStore store = store(backend);
        String token = pinless ? PINLESS_TOKEN : PIN_TOKEN;
        String label = comment + "-" + LABELS.incrementAndGet();
        store.ptool("addkey " + algorithm(type), List.of("addkey", "--label=" + token, userPin(pinless),
                "--algorithm=" + algorithm(type), "--key-label=" + label));
        return finish(store, token, label, pinless);
    }

    @Override
    public Key importKey(TpmBackend backend, Path privateKeyFile, boolean pinless, String comment)
            throws Exception {
        PtoolStore store = store(backend);
        String token = pinless ? PINLESS_TOKEN : PIN_TOKEN;
        String label = comment + "-" + LABELS.incrementAndGet();
        String pub = Files.readString(Path.of(privateKeyFile + ".pub"));
        String algorithm = pub.startsWith("ssh-rsa") ? "rsa" : "ecc";
        store.ptool("import " + algorithm, List.of("import", "--label=" + token, userPin(pinless),
                "--privkey=" + privateKeyFile, "--algorithm=" + algorithm, "--key-label=" + label));
        return finish(store, token, label, pinless);
    }

    @Override
    public Key loadKey(TpmBackend backend, Stored stored) throws Exception {
        Optional<String> elsewhere = elsewhere(backend);
        if (elsewhere.isPresent()) {
            // The restart scenario restarts the run's swtpm, which this stack's companion swtpm never sees.
            throw new TestAbortedException(elsewhere.get() + ", so a restart of the run's swtpm does not test it");
        }
        PtoolStore store = store(backend);
        return new Tpm2Key(store, stored, publicLine(store, stored.label()));
    }

    /** Reads the key back as ssh-keygen -D lists it and adds the certificate SunPKCS11 needs to list it. */
    private Key finish(PtoolStore store, String token, String label, boolean pinless) throws Exception {
        String line = publicLine(store, label);
        Path cert = store.scratch("cert").resolve(label + ".pem");
        Files.writeString(cert, certificatePem(SshPublicKeys.parse(blob(line)), label));
        store.ptool("addcert", List.of("addcert", "--label=" + token, "--key-label=" + label, cert.toString()));
        return new Tpm2Key(store, new Stored(token, label), line);
    }

    /** The key's line from {@code ssh-keygen -D <module>}, which names each key by its CKA_LABEL. */
    static String publicLine(PtoolStore store, String label) throws Exception {
        CommandResult r = store.run(List.of("ssh-keygen", "-D", store.installation().module().toString()),
                Map.of());
        if (!r.succeeded()) {
            throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STEP_FAILED, "ssh-keygen -D "
                    + store.installation().module() + " failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
        return r.stdout().lines().filter(l -> l.endsWith(" " + label)).findFirst()
                .orElseThrow(() -> new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.STEP_FAILED,
                        "ssh-keygen -D does not list key '" + label + "' that tpm2_ptool made; it listed:\n"
                        + r.stdout()));
    }

    private static byte[] blob(String line) {
        return Base64.getDecoder().decode(line.split(" ")[1]);
    }

    /**
     * A certificate for the TPM key, only so SunPKCS11 lists the key (it pairs a private key with a certificate).
     * It is signed by a throwaway software key, because signing with the TPM key would need SunPKCS11 first;
     * nothing trusts this certificate, so only its public key matters.
     */
    static String certificatePem(PublicKey key, String label) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair signer = generator.generateKeyPair();
        X500Name name = new X500Name("CN=" + label);
        Instant now = Instant.now();
        var holder = new X509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))), name,
                SubjectPublicKeyInfo.getInstance(key.getEncoded()))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()));
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(holder);
        }
        return out.toString();
    }

    /**
     * Loads every key of the store's tokens into a fresh OpenSSH {@code ssh-agent} with {@code ssh-add -s}, as a
     * user would; the PIN goes through SSH_ASKPASS. Started when a client first asks for the socket, so an
     * {@code ssh -I} or SunPKCS11 login costs no agent (see {@link Pkcs11ModuleAgent}).
     */
    @Override
    public Agent startAgent(Path socket, List<? extends Key> keys, char[] pin) throws Exception {
        if (keys.isEmpty()) {
            // This stack's agent is OpenSSH's own; with no token keys it is that agent alone, for ssh-add's keys.
            OpenSshAgentProcess plain = OpenSshAgentProcess.start(socket);
            return new Agent() {
                @Override
                public Path socketPath() {
                    return plain.socket();
                }

                @Override
                public void close() {
                    plain.close();
                }
            };
        }
        if (!(keys.get(0) instanceof Tpm2Key first)) {
            throw new IllegalArgumentException("the tpm2-pkcs11 agent serves only tpm2-pkcs11 keys");
        }
        return new OpenSshAgent(first.store, socket, pin, keys);
    }

    /**
     * The stack's own client paths: {@code ssh -I <module>} for {@link Client#SSH_PKCS11}, and the MINA client
     * on SunPKCS11 for {@link Client#MINA_JCA} (in a child JVM, see {@link SunPkcs11Login}).
     */
    @Override
    public Optional<CommandResult> login(Client client, SshServerUnderTest server, Agent agent, String algorithm,
            List<String> knownHostsLines, Path dir) throws Exception {
        if (!(agent instanceof OpenSshAgent a)) {
            return Optional.empty();
        }
        if (client == Client.SSH_AGENT) {
            // ssh-add -s refusing the token (a wrong PIN, lockout) is this client's failed login.
            return a.module.refusal();
        }
        if (client == Client.SSH_PKCS11) {
            return Optional.of(a.module.login(server, algorithm, knownHostsLines, dir));
        }
        if (client == Client.MINA_JCA) {
            return Optional.of(SunPkcs11Login.run(a.store, server, knownHostsLines, dir, a.module.pin(),
                    a.module.keyLines()));
        }
        return Optional.empty();
    }

    /** A key in the store, as ssh-keygen -D printed it. */
    static final class Tpm2Key implements Key {
        final PtoolStore store;
        final Stored stored;
        final String line;

        Tpm2Key(PtoolStore store, Stored stored, String line) {
            this.store = store;
            this.stored = stored;
            this.line = line;
        }

        @Override
        public String authorizedKeysLine() {
            return line;
        }

        @Override
        public byte[] publicKeyBlob() {
            return blob(line);
        }

        /** Signs through OpenSC's {@code pkcs11-tool} on the module, as ssh does (see {@link Pkcs11ToolSigner}). */
        @Override
        public byte[] sign(byte[] data, int flags, char[] pin) throws Exception {
            return Pkcs11ToolSigner.sign(store, stored, line, data, flags, pin);
        }

        @Override
        public KeyPair keyPair(char[] pin) {
            throw new TestAbortedException(
                    "SunPKCS11 on libtpm2_pkcs11 runs in a child JVM with the store's environment; see SunPkcs11Login");
        }

        @Override
        public Stored stored() {
            return stored;
        }

        @Override
        public void close() {
            // The key lives in the store, which closes with the backend.
        }
    }
}
