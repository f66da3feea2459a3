package org.tpmssh.harness.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.GetRandom;
import org.tpmssh.tpm.commands.Startup;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.transport.SwtpmTransport;
import org.tpmssh.tpm.transport.Tcti;

/** The proxy itself, between real clients and a real swtpm: relaying, sharing, the control port, closing. */
class WireProxyTest {

    @Test
    void ourStackSignsThroughTheProxyAndEachCommandIsRecordedWithItsResponse() throws Exception {
        try (WireFixture fx = WireFixture.start(); KeyRing ring = KeyRing.open(fx.tpm())) {
            TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), new byte[0], "k");
            byte[] message = "through the proxy".getBytes(StandardCharsets.UTF_8);
            Signature sig = ring.sign(key, new byte[0], WireFixture.sha256(message), Alg.ECDSA, Alg.SHA256);

            assertThat(WireFixture.verifies(key.publicArea().toPublicKey(), message, sig)).isTrue();
            List<Exchange> all = fx.proxy.exchanges();
            assertThat(all).extracting(Exchange::commandName).contains("CreatePrimary", "Create", "Load", "Sign");
            Exchange sign = all.stream().filter(e -> e.commandCode() == CommandCode.SIGN).findFirst().orElseThrow();
            assertThat(sign.responseCode()).isZero();
            assertThat(sign.response()).isEqualTo(sign.delivered());
            assertThat(sign.subject()).as("the proxy knows which key signed").isNotNull();
            assertThat(sign.subject().hasName(key.name())).isTrue();
            assertThat(all).extracting(Exchange::seq).isSorted().doesNotHaveDuplicates();
            assertThat(fx.proxy.notes()).isEmpty();
        }
    }

    @Test
    void severalClientsShareOneSwtpmThatAloneServesOneConnectionAtATime() throws Exception {
        try (WireFixture fx = WireFixture.start(); Tpm first = fx.tpm(); Tpm second = fx.tpm()) {
            for (int i = 0; i < 5; i++) {
                assertThat(new GetRandom(8).execute(first)).hasSize(8);
                assertThat(new GetRandom(8).execute(second)).hasSize(8);
            }
            // A third client, tpm2-tools, while both connections stay open.
            Process getcap = new ProcessBuilder("tpm2_getcap", "-T", fx.proxy.tcti(), "properties-fixed")
                    .redirectErrorStream(true).start();
            assertThat(getcap.waitFor(30, TimeUnit.SECONDS)).as("tpm2_getcap finished").isTrue();
            String out = new String(getcap.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(getcap.exitValue()).as(out).isZero();
            assertThat(out).contains("TPM2_PT_FAMILY_INDICATOR");

            assertThat(fx.proxy.exchanges().stream().map(Exchange::connection).distinct().count())
                    .as("commands from three clients").isGreaterThanOrEqualTo(3);
            assertThat(fx.proxy.exchanges()).allMatch(e -> e.responseCode() == 0);
        }
    }

    @Test
    void theControlPortIsPassedThroughSoAPowerCycleReachesSwtpm() throws Exception {
        try (WireFixture fx = WireFixture.start()) {
            Tcti.Swtpm t = (Tcti.Swtpm) Tcti.parse(fx.proxy.tcti());
            try (SwtpmTransport transport = SwtpmTransport.connect(t.host(), t.port(), Duration.ofSeconds(10));
                    Tpm tpm = new Tpm(transport)) {
                transport.control().powerCycle();
                assertThatThrownBy(() -> new GetRandom(8).execute(tpm))
                        .isInstanceOfSatisfying(TpmResponseException.class,
                                e -> assertThat(e.baseCode()).isEqualTo(ResponseCodes.INITIALIZE));
                new Startup(Startup.CLEAR).execute(tpm);
                assertThat(new GetRandom(8).execute(tpm)).hasSize(8);
            }
        }
    }

    @Test
    void closingEndsEveryConnectionAndThreadAndAClientGetsAnErrorNotAHang() throws Exception {
        WireFixture fx = WireFixture.start();
        try (Tpm idle = fx.tpm(); SwtpmTransport ctrl = SwtpmTransport.connect("127.0.0.1", fx.proxy.port(),
                Duration.ofSeconds(10))) {
            new GetRandom(4).execute(idle);
            ctrl.control().setLocality(0);
            assertThat(fx.proxy.liveThreads()).hasSizeGreaterThanOrEqualTo(4);

            fx.proxy.close();

            assertThat(fx.proxy.liveThreads()).isEmpty();
            assertThat(fx.proxy.connectionsOpen()).isZero();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(
                    () -> new GetRandom(4).execute(idle)).isInstanceOf(TpmException.class)
                    .hasMessageContaining("swtpm at 127.0.0.1:" + fx.proxy.port()));
        } finally {
            fx.close();
        }
    }

    @Test
    void aClientThatBreaksTheFramingIsCutOffAndNoted() throws Exception {
        try (WireFixture fx = WireFixture.start(); Socket raw = new Socket("127.0.0.1", fx.proxy.port())) {
            OutputStream out = raw.getOutputStream();
            out.write(new byte[] {(byte) 0x80, 0x01, 0, 0, 0, 3, 0, 0, 1, 0x7B}); // says 3 bytes: less than a header
            out.flush();
            raw.setSoTimeout(10_000);
            assertThat(raw.getInputStream().read()).as("the proxy closed the connection").isEqualTo(-1);
            assertThat(fx.proxy.notes()).anySatisfy(n -> assertThat(n).contains("not a TPM command"));
            try (Tpm tpm = fx.tpm()) {
                assertThat(new GetRandom(8).execute(tpm)).as("other clients are unaffected").hasSize(8);
            }
        }
    }

    @Test
    void commandNamesComeFromTheTpmLayersTable() {
        assertThat(Map.of(CommandCode.SIGN, "Sign", CommandCode.TEST_PARMS, "TestParms", 0x2000_0001, "0x20000001"))
                .allSatisfy((cc, name) -> assertThat(CommandCode.name(cc)).isEqualTo(name));
    }
}
