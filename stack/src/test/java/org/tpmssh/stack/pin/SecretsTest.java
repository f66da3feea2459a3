package org.tpmssh.stack.pin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** Wiping leaves no byte or character of a secret in the array it was handed, and a missing secret is no error. */
class SecretsTest {
    @Test
    void aWipedByteArrayIsAllZeros() {
        byte[] secret = {1, 2, 3, (byte) 0xff};
        Secrets.wipe(secret);
        assertThat(secret).containsOnly(0);
    }

    @Test
    void aWipedCharArrayIsAllNuls() {
        char[] pin = "pin-Qx7".toCharArray();
        Secrets.wipe(pin);
        assertThat(new String(pin)).isEqualTo("\0".repeat(7));
    }

    @Test
    void nullIsNothingToWipe() {
        assertThatCode(() -> {
            Secrets.wipe((byte[]) null);
            Secrets.wipe((char[]) null);
        }).doesNotThrowAnyException();
    }
}
