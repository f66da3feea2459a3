package org.tpmssh.stack.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SshSignaturesTest {

    private static final byte[] DATA = "what ssh signs".getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest
    @EnumSource(SshCurve.class)
    void jcaDerSignatureSurvivesDerToSshBlobAndBack(SshCurve curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve.jcaName()));
        KeyPair pair = generator.generateKeyPair();
        // Many signatures, so that r or s with a high bit (mpint sign byte) and short values both occur.
        for (int i = 0; i < 32; i++) {
            Signature signer = Signature.getInstance(curve.jcaSignatureAlgorithm());
            signer.initSign(pair.getPrivate());
            signer.update(DATA);
            byte[] der = signer.sign();

            byte[] blob = SshSignatures.ecdsaFromDer(curve, der);
            SshSignatures.EcdsaValue value = SshSignatures.parseEcdsa(curve, blob);

            assertThat(SshSignatures.parse(blob).algorithm()).isEqualTo(curve.keyType());
            assertThat(SshSignatures.ecdsaToDer(value)).isEqualTo(der);
            Signature verifier = Signature.getInstance(curve.jcaSignatureAlgorithm());
            verifier.initVerify(pair.getPublic());
            verifier.update(DATA);
            assertThat(verifier.verify(SshSignatures.ecdsaToDer(value))).isTrue();
        }
    }

    @Test
    void ecdsaBlobHasTheExactRfc5656Layout() {
        byte[] blob = SshSignatures.ecdsa(SshCurve.NISTP256, BigInteger.valueOf(0x80), BigInteger.ONE);
        assertThat(HexFormat.of().formatHex(blob)).isEqualTo(
                "00000013" + HexFormat.of().formatHex("ecdsa-sha2-nistp256".getBytes(StandardCharsets.US_ASCII))
                        + "0000000b" + "000000020080" + "0000000101");
    }

    @Test
    void rsaBlobCarriesTheRequestedAlgorithm() throws Exception {
        byte[] blob = SshSignatures.rsa(SshSignatures.RSA_SHA2_512, new byte[] {1, 2, 3});
        SshSignatures.Parsed parsed = SshSignatures.parse(blob);
        assertThat(parsed.algorithm()).isEqualTo("rsa-sha2-512");
        assertThat(parsed.signature()).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> SshSignatures.rsa("rsa-sha2-1024", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signatureForAnotherCurveIsRejected() {
        byte[] blob = SshSignatures.ecdsa(SshCurve.NISTP384, BigInteger.TEN, BigInteger.TEN);
        assertThatThrownBy(() -> SshSignatures.parseEcdsa(SshCurve.NISTP256, blob))
                .isInstanceOf(SshWireFormatException.class).hasMessageContaining("ecdsa-sha2-nistp384");
    }

    @Test
    void malformedDerIsRejected() {
        HexFormat hex = HexFormat.of();
        // length runs past the end; trailing garbage; zero-length integer; negative r
        for (String der : new String[] {"3008020101020101", "30060201010201010000", "300402000201", "3006020181020101"}) {
            assertThatThrownBy(() -> SshSignatures.derToEcdsa(hex.parseHex(der)))
                    .as(der).isInstanceOf(SshWireFormatException.class);
        }
    }
}
