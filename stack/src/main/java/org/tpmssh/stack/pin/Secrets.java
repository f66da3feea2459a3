package org.tpmssh.stack.pin;

import java.util.Arrays;

/** Wipes secret arrays (PINs, authValues, private key bytes) once they are no longer needed. */
public final class Secrets {
    private Secrets() {
    }

    public static void wipe(byte[] secret) {
        if (secret != null) {
            Arrays.fill(secret, (byte) 0);
        }
    }

    public static void wipe(char[] secret) {
        if (secret != null) {
            Arrays.fill(secret, '\0');
        }
    }
}
