package org.tpmssh.bench;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.Sign;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.transport.TpmTransport;

/**
 * ECDSA P-256 TPM2_Sign on one swtpm three ways: raw bytes (the floor), our layer with a password
 * session, and with the HMAC session PIN keys use (bench/README.md).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SignBenchmark {
    private static final byte[] PIN = "bench-pin-2718".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NO_PIN = new byte[0];

    private BenchTpm tpm;
    private TpmTransport transport;
    private KeyRing ring;
    private TpmObject pinKey;
    private TpmObject pinlessKey;
    private byte[] digest;
    private byte[] rawSign;

    @Setup
    public void setup() throws Exception {
        tpm = BenchTpm.start();
        try {
            transport = tpm.transport;
            ring = tpm.ring;
            pinKey = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "pin");
            pinlessKey = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), NO_PIN, "pinless");
            digest = Alg.hash(Alg.SHA256, "benchmark message".getBytes(StandardCharsets.UTF_8));
            // Loads both keys; from here on the cache never evicts.
            hmacSession();
            passwordSession();
            if (ring.cache().loadedCount() != 3) {
                throw new IllegalStateException("expected SRK and both keys loaded, found "
                        + ring.cache().loadedCount());
            }
            int handle = ring.cache().use(pinlessKey, h -> h);
            rawSign = BenchTpm.rawSignCommand(handle, new Sign(null, digest, Alg.ECDSA, Alg.SHA256).params());
            checkRaw();
        } catch (Exception | Error e) {
            tearDown();
            throw e;
        }
    }

    private void checkRaw() throws Exception {
        tpm.transmitChecked(rawSign);
    }

    @TearDown
    public void tearDown() throws Exception {
        try {
            if (rawSign != null) {
                checkRaw(); // the raw handle is still the pinless key: nothing was evicted
            }
        } finally {
            if (tpm != null) {
                tpm.close();
            }
        }
    }

    @Benchmark
    public byte[] rawTransmit() throws Exception {
        return transport.transmit(rawSign);
    }

    @Benchmark
    public Signature passwordSession() throws TpmException {
        return ring.sign(pinlessKey, NO_PIN, digest, Alg.ECDSA, Alg.SHA256);
    }

    @Benchmark
    public Signature hmacSession() throws TpmException {
        return ring.sign(pinKey, PIN, digest, Alg.ECDSA, Alg.SHA256);
    }
}
