package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;

/** Hand-built TPM2 commands and response checks, so transport tests do not depend on the command layer. */
final class Tpm2 {

    static final int RC_SUCCESS = 0;
    static final int RC_INITIALIZE = 0x100;

    private Tpm2() {
    }

    /** TPM2_GetRandom(bytesRequested = 8). */
    static byte[] getRandom8() {
        return ByteBuffer.allocate(12).putShort((short) 0x8001).putInt(12).putInt(0x17B).putShort((short) 8).array();
    }

    /** TPM2_Startup(TPM_SU_CLEAR). */
    static byte[] startupClear() {
        return ByteBuffer.allocate(12).putShort((short) 0x8001).putInt(12).putInt(0x144).putShort((short) 0).array();
    }

    static int rc(byte[] response) {
        return ByteBuffer.wrap(response).getInt(6);
    }

    /** Asserts a successful GetRandom response carrying exactly 8 bytes. */
    static void assertEightRandomBytes(byte[] response) {
        assertThat(rc(response)).as("rc").isEqualTo(RC_SUCCESS);
        ByteBuffer b = ByteBuffer.wrap(response);
        assertThat(b.getInt(2)).as("size").isEqualTo(response.length).isEqualTo(20);
        assertThat(b.getShort(10)).as("randomBytes.size").isEqualTo((short) 8);
    }
}
