package org.tpmssh.stack.store;

import java.nio.charset.StandardCharsets;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Templates;

/**
 * Key and token records made without a TPM, for tests of the files alone: the "public area" is a
 * real P-256 template and the "private blob" is fixed filler bytes, which no TPM would load.
 */
final class StoreFixtures {
    private StoreFixtures() {
    }

    static TokenRecord pinlessToken(String label) {
        return new TokenRecord(label, true, ParentKind.ECC, null, null, null, KeyRecord.now(), null);
    }

    static KeyRecord fakeKey(String label) {
        return KeyRecord.of(label, "ecc-p256", KeyRecord.CREATED, true, ParentKind.ECC,
                Templates.eccSigningKey(Alg.ECC_NIST_P256, true), ("blob-" + label).getBytes(StandardCharsets.UTF_8),
                "comment " + label);
    }
}
