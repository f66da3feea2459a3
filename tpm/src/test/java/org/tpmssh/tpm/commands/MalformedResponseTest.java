package org.tpmssh.tpm.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.transport.TpmTransport;

/**
 * Fakes the TPM with recorded response bytes (a canned TpmTransport, no swtpm) to show that
 * responses that are truncated, lie about their size, or lie inside a structure give one clear
 * error instead of an index exception or a huge allocation.
 */
class MalformedResponseTest {
    /** Replays one recorded response for any command. */
    record Canned(byte[] response) implements TpmTransport {
        @Override
        public byte[] transmit(byte[] command) {
            return response.clone();
        }

        @Override
        public void close() {
        }
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    // A real swtpm answer to GetRandom(8): tag 8001, size 20, rc 0, TPM2B of 8 bytes.
    static final String GOOD = "8001 00000014 00000000 0008 0102030405060708";

    @Test
    void theRecordedGoodResponseParses() throws Exception {
        try (Tpm tpm = new Tpm(new Canned(hex(GOOD)))) {
            assertThat(new GetRandom(8).execute(tpm)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        }
    }

    @Test
    void aSizeFieldThatLiesIsMalformed() {
        byte[] lie = hex("8001 00000040 00000000 0008 0102030405060708");
        assertThatThrownBy(() -> new GetRandom(8).execute(new Tpm(new Canned(lie))))
                .isExactlyInstanceOf(TpmException.class)
                .hasMessageContaining("size field says 64 bytes but 20 arrived");
    }

    @Test
    void aTruncatedParameterIsMalformed() {
        byte[] cut = hex("8001 0000000F 00000000 0008 010203");
        assertThatThrownBy(() -> new GetRandom(8).execute(new Tpm(new Canned(cut))))
                .isInstanceOf(TpmException.class)
                .hasMessageContaining("malformed")
                .hasMessageContaining("needs 8 bytes but only 3 remain");
    }

    @Test
    void aCapabilityListThatClaimsBillionsOfEntriesIsRefusedBeforeAllocating() {
        byte[] huge = hex("8001 00000013 00000000 00 00000006 7FFFFFFF");
        assertThatThrownBy(() -> GetCapability.properties(new Tpm(new Canned(huge)), 0x100, 8))
                .isInstanceOf(TpmException.class)
                .hasMessageContaining("claims 2147483647 entries");
    }

    @Test
    void aResponseWithSessionsButNoParameterSizeIsMalformed() {
        byte[] bad = hex("8002 0000000C 00000000 00");
        assertThatThrownBy(() -> new GetRandom(8).execute(new Tpm(new Canned(bad))))
                .isExactlyInstanceOf(TpmException.class)
                .hasMessageContaining("malformed");
    }

    @Test
    void anErrorCodeBecomesATypedExceptionWithItsName() {
        byte[] lockout = hex("8001 0000000A 00000921");
        assertThatThrownBy(() -> new GetRandom(8).execute(new Tpm(new Canned(lockout))))
                .isInstanceOfSatisfying(TpmResponseException.class, e -> {
                    assertThat(e.rcName()).isEqualTo("TPM_RC_LOCKOUT");
                    assertThat(e.getMessage()).contains("dictionary-attack lockout");
                });
    }

    @Test
    void retryCodesAreRetriedAndThenSucceed() throws Exception {
        byte[][] answers = {hex("8001 0000000A 00000922"), hex("8001 0000000A 00000908"), hex(GOOD)};
        int[] n = {0};
        TpmTransport flaky = new TpmTransport() {
            @Override
            public byte[] transmit(byte[] command) {
                return answers[Math.min(n[0]++, 2)];
            }

            @Override
            public void close() {
            }
        };
        try (Tpm tpm = new Tpm(flaky)) {
            assertThat(new GetRandom(8).execute(tpm)).hasSize(8);
            assertThat(n[0]).isEqualTo(3);
        }
    }

    @Test
    void retryIsBounded() {
        int[] n = {0};
        TpmTransport stuck = new TpmTransport() {
            @Override
            public byte[] transmit(byte[] command) {
                n[0]++;
                return hex("8001 0000000A 0000090A");
            }

            @Override
            public void close() {
            }
        };
        assertThatThrownBy(() -> new GetRandom(8).execute(new Tpm(stuck)))
                .isInstanceOfSatisfying(TpmResponseException.class,
                        e -> assertThat(e.rcName()).isEqualTo("TPM_RC_TESTING"));
        assertThat(n[0]).isBetween(2, 10);
    }
}
