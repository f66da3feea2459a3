package org.tpmssh.stack.tpm2pkcs11;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.tpmssh.stack.ssh.SshWireFormatException;

/**
 * Fuzz target for the rows of tpm2-pkcs11's sqlite store that the migration reader parses: a primary object's YAML
 * config (with its serialized ESYS_TR), a token's YAML config, and an object's YAML attributes (with its
 * TPM2B_PUBLIC). Byte 0 picks the column, the rest is its text. The contract: a primary that describes itself, a
 * token flag, or a key (or no key) whose SSH forms render; else a {@link Tpm2Pkcs11StoreException}. Seeds are the
 * rows of a store that the real tpm2_ptool made (extracted by {@link Tpm2Pkcs11Seeds}).
 */
class Tpm2Pkcs11RowsFuzzTest {

    @FuzzTest
    void rows(byte[] input) throws SshWireFormatException {
        if (input.length == 0) {
            return;
        }
        String text = new String(Arrays.copyOfRange(input, 1, input.length), StandardCharsets.UTF_8);
        try {
            switch (Math.floorMod(input[0], 3)) {
                case 0 -> assertThat(Tpm2Pkcs11Store.primary(1, "o", text, "").describe()).isNotBlank();
                case 1 -> Tpm2Pkcs11Store.emptyUserPin(1, text);
                default -> {
                    Optional<Tpm2Pkcs11Key> key = Tpm2Pkcs11Store.key(1, 1, text);
                    if (key.isPresent()) {
                        assertThat(key.get().fingerprintLine()).isNotBlank();
                        assertThat(key.get().authorizedKeysLine()).isNotBlank();
                    }
                }
            }
        } catch (Tpm2Pkcs11StoreException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
