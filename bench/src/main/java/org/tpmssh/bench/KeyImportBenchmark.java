package org.tpmssh.bench;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tpmssh.stack.keys.ImportedKey;
import org.tpmssh.stack.keys.KeyImport;
import org.tpmssh.tpm.objects.KeyRing;

/**
 * The time to import one existing key into the TPM on swtpm, from the host-made duplication blob
 * to the proof signature (bench/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class KeyImportBenchmark {
    @Param({"ecc-p256", "rsa-2048"})
    public String keyType;

    private BenchTpm tpm;
    private KeyRing ring;
    private KeyPair pair;

    @Setup
    public void setup() throws Exception {
        tpm = BenchTpm.start();
        ring = tpm.ring;
        try {
            if (keyType.equals("ecc-p256")) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec("secp256r1"));
                pair = g.generateKeyPair();
            } else {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(2048);
                pair = g.generateKeyPair();
            }
        } catch (Exception | Error e) {
            tearDown();
            throw e;
        }
    }

    @Benchmark
    public byte[] importKey() throws Exception {
        ImportedKey imported = KeyImport.importKey(ring, pair, new byte[0], true, "bench");
        try {
            return imported.privateBlob();
        } finally {
            imported.key().close();
        }
    }

    @TearDown
    public void tearDown() {
        if (tpm != null) {
            tpm.close();
        }
    }
}
