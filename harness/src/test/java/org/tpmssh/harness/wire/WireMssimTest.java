package org.tpmssh.harness.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.IbmSimulator;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The proxy in front of the IBM simulator (tpm_server): it speaks the TPM_SEND_COMMAND framing on the command
 * port and passes the platform port through, so our stack's power-on and tpm2-tools' mssim TCTI work through it.
 * Skipped where tpm_server is not installed (Debian does not package it; see the README).
 */
class WireMssimTest {

    @Test
    void ourStackAndTpm2ToolsWorkThroughTheProxyInFrontOfTheIbmSimulator() throws Exception {
        assumeTrue(IbmSimulator.availability().isEmpty(), () -> IbmSimulator.availability().orElse(""));
        try (IbmSimulator sim = IbmSimulator.start(); TpmWireProxy proxy = TpmWireProxy.inFrontOf(sim.tcti())) {
            assertThat(proxy.protocol()).isEqualTo(TpmWireProxy.Protocol.MSSIM);
            assertThat(proxy.tcti()).startsWith("mssim:host=127.0.0.1,port=");
            byte[] message = "mssim".getBytes(StandardCharsets.UTF_8);
            // Tcti.open powers the simulator on over the platform port (through the proxy), then Startup.
            try (KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(proxy.tcti()).open()))) {
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, true), new byte[0], "k");
                Signature sig = ring.sign(key, new byte[0], WireFixture.sha256(message), Alg.ECDSA, Alg.SHA256);
                assertThat(WireFixture.verifies(key.publicArea().toPublicKey(), message, sig)).isTrue();
            }
            Process getcap = new ProcessBuilder("tpm2_getcap", "-T", proxy.tcti(), "properties-fixed")
                    .redirectErrorStream(true).start();
            assertThat(getcap.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(getcap.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(getcap.exitValue()).as(out).isZero();

            List<Exchange> all = proxy.exchanges();
            assertThat(all).extracting(Exchange::commandName).contains("Startup", "CreatePrimary", "Sign",
                    "GetCapability");
            assertThat(all).allSatisfy(e -> assertThat(e.delivered()).isNotNull());
            assertThat(proxy.notes()).isEmpty();
        }
    }
}
