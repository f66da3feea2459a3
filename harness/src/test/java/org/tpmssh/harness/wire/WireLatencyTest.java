package org.tpmssh.harness.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.harness.wire.CommandDelay.Basis;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * Chip latency profiles: the data file loads with its source, each command gets a measured figure or a labelled
 * estimate, and the proxy holds every response at least that long. Speeds are measured and printed, never
 * asserted; what is asserted is that a delay was applied and recorded.
 */
class WireLatencyTest {
    private static final WireObject P256 = new WireObject(new byte[] {0, 0x0b}, Alg.ECC, Alg.ECC_NIST_P256, null);
    private static final WireObject P384 = new WireObject(new byte[] {0, 0x0b}, Alg.ECC, Alg.ECC_NIST_P384, null);
    private static final WireObject RSA2048 = new WireObject(null, Alg.RSA, 2048, null);

    @Test
    void theSixPublishedChipsLoadWithTheirSourceAndSignFigures() {
        assertThat(ChipProfiles.all()).extracting(ChipProfile::id)
                .containsExactly("slb9670", "st33tp", "attpm20", "npct650", "npct750", "z32h330");
        assertThat(ChipProfiles.source()).contains("wolfTPM").contains("github.com/wolfSSL/wolfTPM");
        // The table: ECDSA P-256 and RSA-2048 sign per chip.
        double[][] published = {{68.9, 163}, {42.3, 248}, {58.7, 118}, {190, 541}, {56.4, 70.3}, {23.4, 133}};
        for (int i = 0; i < published.length; i++) {
            ChipProfile chip = ChipProfiles.all().get(i);
            assertThat(millis(chip.delay(CommandCode.SIGN, P256))).isCloseTo(published[i][0], within(0.6));
            assertThat(millis(chip.delay(CommandCode.SIGN, RSA2048))).isCloseTo(published[i][1], within(0.6));
            assertThat(chip.delay(CommandCode.SIGN, P256).basis()).isEqualTo(Basis.MEASURED);
        }
        assertThatThrownBy(() -> ChipProfiles.named("slb9999")).hasMessageContaining("slb9670, st33tp");
    }

    @Test
    void commandsTheBenchmarkDidNotTimeGetALabelledEstimate() {
        ChipProfile slb = ChipProfiles.named("SLB9670");
        CommandDelay getcap = slb.delay(CommandCode.GET_CAPABILITY, null);
        assertThat(getcap.basis()).isEqualTo(Basis.ESTIMATE);
        assertThat(millis(getcap)).isCloseTo(1140.0 / (16 * 32), within(0.01));
        assertThat(getcap.source()).contains("GetRandom");

        CommandDelay p384 = slb.delay(CommandCode.SIGN, P384);
        assertThat(p384.basis()).isEqualTo(Basis.ESTIMATE);
        assertThat(p384.source()).contains("figure for P-256 applied to ECC P-384");

        CommandDelay rsaPrimary = slb.delay(CommandCode.CREATE_PRIMARY, RSA2048);
        assertThat(rsaPrimary.basis()).isEqualTo(Basis.ESTIMATE);
        assertThat(rsaPrimary.delay()).isEqualTo(Duration.ofNanos(2_196_230_000L));

        CommandDelay unknownKey = slb.delay(CommandCode.SIGN, null);
        assertThat(unknownKey.basis()).isEqualTo(Basis.ESTIMATE);
        assertThat(unknownKey.source()).contains("not seen on the wire");
        assertThat(slb.delay(CommandCode.START_AUTH_SESSION, null, null, true).delay())
                .as("an unsalted session costs a plain command").isEqualTo(getcap.delay());
    }

    @Test
    void theProxyHoldsEachResponseAtLeastTheChipsDelayAndRecordsIt(@TempDir Path dir) throws Exception {
        try (WireFixture fx = WireFixture.start()) {
            try (OurStack provisioning = OurStack.open(fx.tpm(), dir)) {
                provisioning.provision();
            }
            for (ChipProfile chip : ChipProfiles.all()) {
                fx.proxy.latencyProfile(chip);
                try (OurStack stack = OurStack.open(fx.tpm(), dir)) {
                    KeyRecord record = stack.key();
                    TpmObject key = stack.tokens.load(OurStack.TOKEN, record);
                    byte[] message = "slow".getBytes(StandardCharsets.UTF_8);
                    try (Operation op = fx.proxy.operation(chip.id() + " | cold sign")) {
                        stack.sign(key, record, message);
                    }
                    long before = System.nanoTime();
                    Operation steady;
                    try (Operation op = fx.proxy.operation(chip.id() + " | steady sign")) {
                        steady = op;
                        stack.sign(key, record, message);
                    }
                    long clientNanos = System.nanoTime() - before;

                    Exchange sign = steady.exchanges().get(0);
                    assertThat(sign.commandName()).isEqualTo("Sign");
                    assertThat(sign.chipDelay().delay()).isEqualTo(chip.figure("ecdsaP256Sign"));
                    assertThat(sign.chipDelay().basis()).isEqualTo(Basis.MEASURED);
                    assertThat(sign.timing().tpmNanos() + sign.timing().heldNanos())
                            .isGreaterThanOrEqualTo(sign.chipDelay().delay().toNanos());
                    assertThat(clientNanos).as("the client got the answer no earlier than the chip would give it")
                            .isGreaterThanOrEqualTo(sign.chipDelay().delay().toNanos());
                }
            }
            for (Operation op : fx.proxy.operations()) {
                assertThat(op.elapsed()).isGreaterThanOrEqualTo(sumOfDelays(op.exchanges()));
                System.out.println("[wire] java | " + op.name() + " | projected " + op.elapsed().toMillis()
                        + " ms for " + op.counts());
            }
        }
    }

    @Test
    void tpm2Pkcs11UnderAChipProfileIsHeldTooAndItsProjectionIsPrinted(@TempDir Path dir) throws Exception {
        WireTpm2Pkcs11.assumeInstalled();
        try (WireFixture fx = WireFixture.start(); WireTpm2Pkcs11 p11 = WireTpm2Pkcs11.start(fx.proxy, dir)) {
            Path digest = Files.write(dir.resolve("digest"), WireFixture.sha256("slow".getBytes(StandardCharsets.UTF_8)));
            for (ChipProfile chip : ChipProfiles.all()) {
                fx.proxy.latencyProfile(chip);
                CommandResult sign;
                Operation op;
                try (Operation o = fx.proxy.operation(chip.id() + " | pkcs11-tool --sign")) {
                    op = o;
                    sign = p11.sign(digest, dir.resolve("signature"));
                }
                assertThat(sign.succeeded()).as(sign.describe()).isTrue();
                assertThat(op.exchanges()).allSatisfy(e -> assertThat(e.chipDelay()).isNotNull());
                assertThat(op.elapsed()).isGreaterThanOrEqualTo(sumOfDelays(op.exchanges()));
                long estimated = op.exchanges().stream().filter(e -> e.chipDelay().basis() == Basis.ESTIMATE).count();
                System.out.println("[wire] tpm2-pkcs11 | " + op.name() + " | projected " + op.elapsed().toMillis()
                        + " ms (process " + Duration.ofNanos(sign.wallNanos()).toMillis() + " ms) for " + op.counts()
                        + "; " + estimated + " of " + op.exchanges().size() + " delays are estimates");
            }
        }
    }

    private static Duration sumOfDelays(List<Exchange> exchanges) {
        return exchanges.stream().map(e -> e.chipDelay().delay()).reduce(Duration.ZERO, Duration::plus);
    }

    private static double millis(CommandDelay d) {
        return d.delay().toNanos() / 1e6;
    }

    private static org.assertj.core.data.Offset<Double> within(double d) {
        return org.assertj.core.data.Offset.offset(d);
    }
}
