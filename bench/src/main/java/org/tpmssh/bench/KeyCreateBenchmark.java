package org.tpmssh.bench;

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
import org.tpmssh.stack.keys.TpmSshKey;
import org.tpmssh.stack.keys.TpmSshKeys;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.tpm.objects.KeyRing;

/**
 * The time to create one TPM key (TPM2_Create under the loaded SRK) on swtpm, one creation per
 * invocation (bench/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class KeyCreateBenchmark {
    @Param({"ecc-p256", "rsa-2048"})
    public String keyType;

    private BenchTpm tpm;
    private KeyRing ring;
    private KeyType type;

    @Setup
    public void setup() throws Exception {
        tpm = BenchTpm.start();
        ring = tpm.ring;
        try {
            type = keyType.equals("ecc-p256") ? KeyType.ECC_P256 : KeyType.RSA_2048;
        } catch (Exception | Error e) {
            tearDown();
            throw e;
        }
    }

    @Benchmark
    public byte[] create() throws Exception {
        try (TpmSshKey key = TpmSshKeys.create(ring, type, new char[0], "bench")) {
            return key.publicKeyBlob();
        }
    }

    @TearDown
    public void tearDown() {
        if (tpm != null) {
            tpm.close();
        }
    }
}
