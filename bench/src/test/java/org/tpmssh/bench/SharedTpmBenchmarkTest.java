package org.tpmssh.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.transport.TctiLoaderTransport;

/**
 * The benchmark's two paths are one key: both sign in setup and here, and the JDK verifies each signature with the
 * one public key; then its own samples run briefly, so a broken path fails here rather than in a long JMH run.
 */
class SharedTpmBenchmarkTest {

    @Test
    void directAndThroughTabrmdSignWithTheSameKey() throws Exception {
        Optional<String> missing = Tpm2Abrmd.availability().or(TctiLoaderTransport::availability);
        assumeTrue(missing.isEmpty(), () -> missing.orElse(""));
        SharedTpmBenchmark bench = new SharedTpmBenchmark();
        bench.transport = "unix";
        bench.setup();
        try {
            assertThat(bench.keys().get(0).name()).isEqualTo(bench.keys().get(1).name());
            PublicKey key = bench.keys().get(0).publicArea().toPublicKey();
            byte[] message = "benchmark message".getBytes(StandardCharsets.UTF_8);
            for (Signature s : new Signature[] {bench.direct(), bench.throughTabrmd()}) {
                java.security.Signature jca = java.security.Signature.getInstance("SHA256withECDSA");
                jca.initVerify(key);
                jca.update(message);
                assertThat(jca.verify(s.toDer())).isTrue();
            }
            for (int i = 0; i < 20; i++) {
                assertThat(bench.rawDirect()).hasSizeGreaterThan(10);
                assertThat(bench.rawThroughTabrmd()).hasSizeGreaterThan(10);
            }
        } finally {
            bench.tearDown();
        }
    }
}
