package org.tpmssh.harness.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Signature;

/**
 * Commands per operation, counted on the wire (never by our own counters), for real clients: our stack as the
 * agent drives it, and tpm2-tools and tpm2-pkcs11 (pkcs11-tool) through tpm2-abrmd in front of the proxy.
 */
class WireCountTest {

    @Test
    void ourStackColdSignUnsealsOnceAndASteadySignIsOneTpm2Sign(@TempDir Path dir) throws Exception {
        Map<String, CommandCounts> table = new LinkedHashMap<>();
        try (WireFixture fx = WireFixture.start()) {
            try (OurStack provisioning = OurStack.open(fx.tpm(), dir)) {
                provisioning.provision();
            }
            OurStack stack;
            try (Operation op = fx.proxy.operation("agent start")) {
                stack = OurStack.open(fx.tpm(), dir);
            }
            try (stack) {
                KeyRecord record = stack.key();
                TpmObject key = stack.tokens.load(OurStack.TOKEN, record);
                PublicKey pub = key.publicArea().toPublicKey();
                byte[] first = "first signature".getBytes(StandardCharsets.UTF_8);
                Signature cold;
                try (Operation op = fx.proxy.operation("cold sign")) {
                    cold = stack.sign(key, record, first);
                }
                byte[] later = "a later signature".getBytes(StandardCharsets.UTF_8);
                Signature warm;
                try (Operation op = fx.proxy.operation("steady sign")) {
                    warm = stack.sign(key, record, later);
                }
                assertThat(WireFixture.verifies(pub, first, cold)).isTrue();
                assertThat(WireFixture.verifies(pub, later, warm)).isTrue();
            }
            fx.proxy.operations().forEach(op -> table.put(op.name(), op.counts()));
        }
        table.forEach((op, counts) -> System.out.println("[wire] java | " + op + " | " + counts));

        assertThat(table.get("agent start").count("CreatePrimary")).as("the SRK is made once").isEqualTo(1);
        CommandCounts cold = table.get("cold sign");
        assertThat(cold.count("Unseal")).as("the login unseals the token secret").isEqualTo(1);
        assertThat(cold.count("StartAuthSession")).as("one salted session").isEqualTo(1);
        assertThat(cold.count("Sign")).isEqualTo(1);
        CommandCounts steady = table.get("steady sign");
        assertThat(steady.byCommand()).as("a steady-state signature").containsExactly(Map.entry("Sign", 1));
    }

    @Test
    void tpm2ToolsAndTpm2Pkcs11ThroughTabrmdAreCountedOnTheWire(@TempDir Path dir) throws Exception {
        WireTpm2Pkcs11.assumeInstalled();
        try (WireFixture fx = WireFixture.start(); WireTpm2Pkcs11 p11 = WireTpm2Pkcs11.start(fx.proxy, dir)) {
            CommandResult getcap;
            try (Operation op = fx.proxy.operation("tpm2_getcap properties-fixed")) {
                getcap = p11.getcap("properties-fixed");
            }
            Path digest = Files.write(dir.resolve("digest"), WireFixture.sha256("pkcs11".getBytes(StandardCharsets.UTF_8)));
            CommandResult sign;
            try (Operation op = fx.proxy.operation("pkcs11-tool --sign")) {
                sign = p11.sign(digest, dir.resolve("signature"));
            }
            assertThat(getcap.succeeded()).as(getcap.describe()).isTrue();
            assertThat(sign.succeeded()).as(sign.describe()).isTrue();
            assertThat(Files.size(dir.resolve("signature"))).as("a raw P-256 r || s").isEqualTo(64);

            Operation caps = fx.proxy.operations().get(0);
            Operation p11sign = fx.proxy.operations().get(1);
            System.out.println("[wire] tpm2-tools | " + caps);
            System.out.println("[wire] tpm2-pkcs11 | " + p11sign);
            assertThat(caps.counts().count("GetCapability")).isGreaterThanOrEqualTo(1);
            assertThat(caps.counts().count("Sign")).isZero();
            CommandCounts counts = p11sign.counts();
            assertThat(counts.count("Sign")).as("one C_Sign is one TPM2_Sign on the wire").isEqualTo(1);
            assertThat(counts.count("Unseal")).as("C_Login unseals the token's wrapping key").isGreaterThanOrEqualTo(1);
            assertThat(counts.total()).as("what a whole pkcs11-tool process costs").isGreaterThan(6);
            System.out.println("[wire] tpm2-pkcs11 | client connections to the data port: "
                    + p11sign.exchanges().stream().map(Exchange::connection).distinct().count());
        }
    }
}
