package org.tpmssh.harness.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.keys.TpmSigner;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Signature;

/**
 * Residency: a signature counts as the TPM's only if a TPM2_Sign with that very key crossed the wire. A stack
 * that keeps a software copy of an (imported) key and signs with it makes a valid signature and leaves no
 * such exchange.
 */
class WireResidencyTest {

    @Test
    void ourStacksSignIsSeenOnTheWireAndASoftwareCopysSignatureIsNot(@TempDir Path dir) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = g.generateKeyPair();
        byte[] message = "who signed this?".getBytes(StandardCharsets.UTF_8);
        try (WireFixture fx = WireFixture.start(); OurStack stack = OurStack.open(fx.tpm(), dir)) {
            stack.provision();
            KeyRecord imported = TokenKeys.importKey(stack.tokens, OurStack.TOKEN, "imported", pair, false, "copy",
                    stack.login());
            TpmObject key = stack.tokens.load(OurStack.TOKEN, imported);

            Signature inTpm;
            Operation tpmSign;
            try (Operation op = fx.proxy.operation("TPM sign")) {
                tpmSign = op;
                try (TpmSigner signer = stack.tokens.signer(key, imported, stack.login())) {
                    inTpm = stack.tokens.sign(OurStack.TOKEN, signer, WireFixture.sha256(message), Alg.ECDSA,
                            Alg.SHA256);
                }
            }
            byte[] inSoftware;
            Operation softwareSign;
            try (Operation op = fx.proxy.operation("software copy sign")) {
                softwareSign = op;
                java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
                s.initSign(pair.getPrivate());
                s.update(message);
                inSoftware = s.sign();
            }

            // Both signatures are valid for the same public key: only the wire tells them apart.
            assertThat(WireFixture.verifies(pair.getPublic(), message, inTpm)).isTrue();
            java.security.Signature v = java.security.Signature.getInstance("SHA256withECDSA");
            v.initVerify(pair.getPublic());
            v.update(message);
            assertThat(v.verify(inSoftware)).isTrue();

            assertThat(Residency.signedInTpm(tpmSign, key.name())).isTrue();
            assertThat(Residency.signsByPublicKey(tpmSign.exchanges(), pair.getPublic())).hasSize(1);
            assertThat(Residency.signedInTpm(softwareSign, key.name())).isFalse();
            assertThat(Residency.signsByPublicKey(softwareSign.exchanges(), pair.getPublic())).isEmpty();
            TpmObject other = stack.tokens.load(OurStack.TOKEN, stack.key());
            assertThat(Residency.signedInTpm(tpmSign, other.name())).as("another key's Name").isFalse();
        }
    }

    @Test
    void tpm2Pkcs11sSignatureIsTracedToItsKeyThroughTabrmdsContextSwaps(@TempDir Path dir) throws Exception {
        WireTpm2Pkcs11.assumeInstalled();
        try (WireFixture fx = WireFixture.start(); WireTpm2Pkcs11 p11 = WireTpm2Pkcs11.start(fx.proxy, dir)) {
            Path der = dir.resolve("key.der");
            CommandResult read = p11.pkcs11Tool(List.of("--read-object", "--type", "pubkey", "--label",
                    WireTpm2Pkcs11.KEY, "--output-file", der.toString()));
            assertThat(read.succeeded()).as(read.describe()).isTrue();
            PublicKey pub = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Files.readAllBytes(der)));
            Path digest = Files.write(dir.resolve("digest"), WireFixture.sha256("pkcs11".getBytes(StandardCharsets.UTF_8)));

            Operation sign;
            try (Operation op = fx.proxy.operation("pkcs11-tool --sign")) {
                sign = op;
                CommandResult r = p11.sign(digest, dir.resolve("signature"));
                assertThat(r.succeeded()).as(r.describe()).isTrue();
            }
            List<Exchange> signs = Residency.signsByPublicKey(sign.exchanges(), pub);
            assertThat(signs).as("the TPM2_Sign of that key, found behind tabrmd's ContextSave/ContextLoad").hasSize(1);
            assertThat(sign.counts().count("ContextLoad")).isPositive();
        }
    }
}
