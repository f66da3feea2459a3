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
import org.tpmssh.tpm.testing.SwtpmTpm;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_NULL_ASYM_SCHEME;
import tss.tpm.TPMS_NULL_KDF_SCHEME;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;

/**
 * Our marshalled TPMT_PUBLIC templates and Names against TSS.Java's. The TSS.Java side is
 * written from the spec's named constants with TSS.Java's own constructors and marshaller;
 * nothing of ours feeds it except, in the last test, public areas a real swtpm returned.
 * Borrowed: TSS.Java's marshalling and getName(). Faked: nothing.
 */
class TemplateBytesTest {

    private static final byte[] EMPTY = new byte[0];

    private static TPMA_OBJECT storageAttributes() {
        return new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.userWithAuth, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt);
    }

    private static TPMA_OBJECT signingAttributes(boolean noDa) {
        TPMA_OBJECT a = new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent,
                TPMA_OBJECT.sensitiveDataOrigin, TPMA_OBJECT.userWithAuth, TPMA_OBJECT.sign);
        return noDa ? new TPMA_OBJECT(a, TPMA_OBJECT.noDA) : a;
    }

    private static TPMT_SYM_DEF_OBJECT aes128Cfb() {
        return new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, 128, TPM_ALG_ID.CFB);
    }

    private static TPMT_PUBLIC tssEcc(TPMA_OBJECT attrs, TPMT_SYM_DEF_OBJECT sym, TPM_ECC_CURVE curve) {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, attrs, EMPTY,
                new TPMS_ECC_PARMS(sym, new TPMS_NULL_ASYM_SCHEME(), curve, new TPMS_NULL_KDF_SCHEME()),
                new TPMS_ECC_POINT(EMPTY, EMPTY));
    }

    private static TPMT_PUBLIC tssRsa(TPMA_OBJECT attrs, TPMT_SYM_DEF_OBJECT sym, int bits) {
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, attrs, EMPTY,
                new TPMS_RSA_PARMS(sym, new TPMS_NULL_ASYM_SCHEME(), bits, 0), new TPM2B_PUBLIC_KEY_RSA(EMPTY));
    }

    static Stream<Arguments> templates() {
        return Stream.of(
                Arguments.of("srk-ecc", Templates.srkEcc(),
                        tssEcc(storageAttributes(), aes128Cfb(), TPM_ECC_CURVE.NIST_P256)),
                Arguments.of("srk-rsa", Templates.srkRsa(), tssRsa(storageAttributes(), aes128Cfb(), 2048)),
                Arguments.of("ecc-p256", Templates.eccSigningKey(Alg.ECC_NIST_P256, false),
                        tssEcc(signingAttributes(false), TPMT_SYM_DEF_OBJECT.nullObject(), TPM_ECC_CURVE.NIST_P256)),
                Arguments.of("ecc-p256-noda", Templates.eccSigningKey(Alg.ECC_NIST_P256, true),
                        tssEcc(signingAttributes(true), TPMT_SYM_DEF_OBJECT.nullObject(), TPM_ECC_CURVE.NIST_P256)),
                Arguments.of("ecc-p384", Templates.eccSigningKey(Alg.ECC_NIST_P384, false),
                        tssEcc(signingAttributes(false), TPMT_SYM_DEF_OBJECT.nullObject(), TPM_ECC_CURVE.NIST_P384)),
                Arguments.of("ecc-p384-noda", Templates.eccSigningKey(Alg.ECC_NIST_P384, true),
                        tssEcc(signingAttributes(true), TPMT_SYM_DEF_OBJECT.nullObject(), TPM_ECC_CURVE.NIST_P384)),
                Arguments.of("rsa-2048", Templates.rsaSigningKey(2048, false),
                        tssRsa(signingAttributes(false), TPMT_SYM_DEF_OBJECT.nullObject(), 2048)));
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
        try (SwtpmTpm fx = SwtpmTpm.start(); KeyRing ring = KeyRing.open(fx.tpm)) {
            byte[] pin = "name check".getBytes(StandardCharsets.UTF_8);
            TpmObject ecc = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), pin, "ecc");
            TpmObject rsa = ring.create(Templates.rsaSigningKey(2048, false), pin, "rsa");
            for (TpmObject o : new TpmObject[] {ring.srk(), ecc, rsa}) {
                TpmtPublic area = o.publicArea();
                TPMT_PUBLIC theirs = TPMT_PUBLIC.fromTpm(area.toBytes());
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
