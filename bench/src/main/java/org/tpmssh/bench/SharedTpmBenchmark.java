package org.tpmssh.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tpmssh.emulators.SessionBus;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Sign;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TctiLoaderTransport;
import org.tpmssh.tpm.transport.TpmTransport;

/**
 * One ECDSA P-256 key signing straight on swtpm and through tpm2-abrmd (the TCTI loader's tabrmd module), in the
 * same fork: two swtpms started on copies of one TPM state hold the same seeds, so the key's blob loads in both.
 * {@code transport} is how both reach their swtpm: a unix socket or TCP, over which tpm2-abrmd's swtpm TCTI opens a
 * new connection for every command (bench/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SharedTpmBenchmark {
    private static final byte[] NO_PIN = new byte[0];

    @Param({"unix", "tcp"})
    public String transport;

    private Path home;
    private Swtpm direct;
    private Swtpm behind;
    private Tpm2Abrmd abrmd;
    private KeyRing directRing;
    private KeyRing sharedRing;
    private TpmObject directKey;
    private TpmObject sharedKey;
    private TpmTransport directTransport;
    private TpmTransport sharedTransport;
    private byte[] digest;
    private byte[] rawDirect;
    private byte[] rawShared;

    @Setup
    public void setup() throws Exception {
        home = Files.createTempDirectory("tpmssh-shared-bench-");
        try {
            // One TPM's state, relaxed for a benchmark, then copied: two swtpms with the same seeds.
            Path first = Files.createDirectories(home.resolve("a"));
            boolean unix = transport.equals("unix");
            try (Swtpm once = Swtpm.builder().unixSocket(unix).stateDir(first).start();
                    Tpm tpm = new Tpm(Tcti.parse(once.tcti()).open())) {
                DictionaryAttack.relaxForOwnSimulator(tpm);
            }
            Path second = copy(first, home.resolve("b"));
            direct = Swtpm.builder().unixSocket(unix).stateDir(first).start();
            behind = Swtpm.builder().unixSocket(unix).stateDir(second).start();
            SessionBus bus = SessionBus.shared();
            TctiLoaderTransport.useSessionBus(bus.address());
            abrmd = Tpm2Abrmd.builder(behind.tcti()).bus(bus).start();

            directTransport = Tcti.parse(direct.tcti()).open();
            directRing = KeyRing.open(new Tpm(directTransport), ParentKind.ECC.template());
            sharedTransport = Tcti.parse(abrmd.tcti()).open();
            sharedRing = KeyRing.open(new Tpm(sharedTransport), ParentKind.ECC.template());
            directKey = directRing.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), NO_PIN, "key");
            sharedKey = sharedRing.register(directKey.privateBlob().orElseThrow(), directKey.publicArea(), "key");
            digest = Alg.hash(Alg.SHA256, "benchmark message".getBytes(StandardCharsets.UTF_8));
            direct();
            throughTabrmd();
            byte[] params = new Sign(null, digest, Alg.ECDSA, Alg.SHA256).params();
            rawDirect = BenchTpm.rawSignCommand(directRing.cache().use(directKey, h -> h), params);
            rawShared = BenchTpm.rawSignCommand(sharedRing.cache().use(sharedKey, h -> h), params);
            BenchTpm.checked(directTransport.transmit(rawDirect));
            BenchTpm.checked(sharedTransport.transmit(rawShared));
        } catch (Exception | Error e) {
            tearDown();
            throw e;
        }
    }

    private static Path copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    @TearDown
    public void tearDown() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {sharedRing, directRing, abrmd, behind, direct}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    // go on closing the rest
                }
            }
        }
        if (home != null) {
            try (Stream<Path> all = Files.walk(home)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** {@code KeyRing.sign} straight on swtpm: our transport, one connection. */
    @Benchmark
    public Signature direct() throws TpmException {
        return directRing.sign(directKey, NO_PIN, digest, Alg.ECDSA, Alg.SHA256);
    }

    /** The same key and call through tpm2-abrmd: libtss2-tctildr, the tabrmd module, D-Bus fd, abrmd, swtpm. */
    @Benchmark
    public Signature throughTabrmd() throws TpmException {
        return sharedRing.sign(sharedKey, NO_PIN, digest, Alg.ECDSA, Alg.SHA256);
    }

    /** The floor of {@link #direct()}: prepared TPM2_Sign bytes. */
    @Benchmark
    public byte[] rawDirect() throws Exception {
        return directTransport.transmit(rawDirect);
    }

    /** The floor of {@link #throughTabrmd()}: the same bytes through the loader and tpm2-abrmd. */
    @Benchmark
    public byte[] rawThroughTabrmd() throws Exception {
        return sharedTransport.transmit(rawShared);
    }

    /** For a test: the key's public area on both paths, which must be one key. */
    List<TpmObject> keys() {
        return List.of(directKey, sharedKey);
    }
}
