package org.tpmssh.tpm.crosscheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.testing.SimulatorTpm;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPM_ECC_CURVE;

/**
 * Our marshalled templates and Names against TSS.Java's, built from the spec's constants with
 * TSS.Java's own marshaller. Faked: nothing.
 */
class TemplateBytesTest {

    static Stream<Arguments> templates() {
        return Stream.of(
                Arguments.of("srk-ecc", Templates.srkEcc(), TssTemplates.srkEcc()),
                Arguments.of("srk-rsa", Templates.srkRsa(), TssTemplates.srkRsa()),
                Arguments.of("ecc-p256", Templates.eccSigningKey(Alg.ECC_NIST_P256, false),
                        TssTemplates.eccSigningKey(TPM_ECC_CURVE.NIST_P256, false)),
                Arguments.of("ecc-p256-noda", Templates.eccSigningKey(Alg.ECC_NIST_P256, true),
                        TssTemplates.eccSigningKey(TPM_ECC_CURVE.NIST_P256, true)),
                Arguments.of("ecc-p384", Templates.eccSigningKey(Alg.ECC_NIST_P384, false),
                        TssTemplates.eccSigningKey(TPM_ECC_CURVE.NIST_P384, false)),
                Arguments.of("ecc-p384-noda", Templates.eccSigningKey(Alg.ECC_NIST_P384, true),
                        TssTemplates.eccSigningKey(TPM_ECC_CURVE.NIST_P384, true)),
                Arguments.of("rsa-2048", Templates.rsaSigningKey(2048, false),
                        TssTemplates.rsaSigningKey(2048, false)));
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("templates")
    void ourTemplateIsTssJavasByteForByte(String label, TpmtPublic ours, TPMT_PUBLIC theirs) {
        assertThat(hex(ours.toBytes())).as(label).isEqualTo(hex(theirs.toBytes()));
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("templates")
    void ourTemplateNameIsTssJavas(String label, TpmtPublic ours, TPMT_PUBLIC theirs) {
        assertThat(hex(ours.name())).as(label).isEqualTo(hex(theirs.getName()));
    }

    @Test
    void namesOfPublicAreasTheTpmFilledInAgreeThreeWays() throws Exception {
        try (SimulatorTpm fx = SimulatorTpm.start()) {
            KeyRing ring = fx.keyRing();
            byte[] pin = "name check".getBytes(StandardCharsets.UTF_8);
            TpmObject ecc = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), pin, "ecc");
            TpmObject rsa = ring.create(Templates.rsaSigningKey(2048, false), pin, "rsa");
            for (TpmObject o : new TpmObject[] {ring.srk(), ecc, rsa}) {
                TpmtPublic area = o.publicArea();
                TPMT_PUBLIC theirs = TPMT_PUBLIC.fromBytes(area.toBytes());
                byte[] tpmsOwn = ring.cache().use(o, h -> new ReadPublic(h).execute(fx.tpm).name());
                assertThat(hex(theirs.toBytes())).as(o.label() + " re-marshalled by TSS.Java")
                        .isEqualTo(hex(area.toBytes()));
                assertThat(hex(area.name())).as(o.label() + " Name, ours vs TSS.Java")
                        .isEqualTo(hex(theirs.getName()))
                        .isEqualTo(hex(tpmsOwn));
            }
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
