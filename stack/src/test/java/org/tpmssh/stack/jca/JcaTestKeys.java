package org.tpmssh.stack.jca;

import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.objects.TpmObject;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;

/** Creates DA-protected TPM signing keys by the names the harness uses (ecc-p256 … rsa-2048). */
final class JcaTestKeys {
    private JcaTestKeys() {
    }

    static TpmPrivateKey create(KeyRing ring, String type, byte[] authValue) throws Exception {
        TpmtPublic template = switch (type) {
            case "ecc-p256" -> Templates.eccSigningKey(Alg.ECC_NIST_P256, false);
            case "ecc-p384" -> Templates.eccSigningKey(Alg.ECC_NIST_P384, false);
            case "ecc-p521" -> Templates.eccSigningKey(Alg.ECC_NIST_P521, false);
            case "rsa-2048" -> Templates.rsaSigningKey(2048, false);
            default -> throw new IllegalArgumentException(type);
        };
        TpmObject object = ring.create(template, authValue, type);
        return TpmPrivateKey.of(ring, object, authValue, type);
    }
}
