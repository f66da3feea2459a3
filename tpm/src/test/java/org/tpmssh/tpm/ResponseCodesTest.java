package org.tpmssh.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Response codes decoded by the bit layout of TPM 2.0 Part 2, 6.6 (format one: bit 7 set; bit 6 says parameter;
 * otherwise bit 11 says session; bits 8 to 11 the number), which decides when tpmssh reloads a stale handle or
 * session after another client flushed it or the TPM restarted.
 */
class ResponseCodesTest {

    @ParameterizedTest(name = "{0}: stale handle {1}, stale session {2}, where \"{3}\"")
    @CsvSource(delimiter = '|', value = {
        // TPM_RC_HANDLE (0x08B) and TPM_RC_VALUE (0x084) on handles 1, 2 and 7
        "0x18B | true  | false | ' (handle 1)'",
        "0x284 | true  | false | ' (handle 2)'",
        "0x78B | true  | false | ' (handle 7)'",
        // ... on sessions 1 and 7 (bit 11 set)
        "0x98B | false | true  | ' (session 1)'",
        "0x984 | false | true  | ' (session 1)'",
        "0xF8B | false | true  | ' (session 7)'",
        // ... on parameters 1 and 9 (bit 6 set): no handle or session is stale
        "0x1CB | false | false | ' (parameter 1)'",
        "0x9C4 | false | false | ' (parameter 9)'",
        "0x0CB | false | false | ' (parameter 0)'",
        // format one with no number: nothing to point at
        "0x08B | false | false | ''",
        // another format-one error on a handle or a session is not about staleness
        "0x18E | false | false | ' (handle 1)'",
        "0x98E | false | false | ' (session 1)'",
        "0x2A2 | false | false | ' (handle 2)'",
        // format zero: TPM_RC_REFERENCE_H0..H6 and _S0..S6 (0x910..0x916, 0x918..0x91E)
        "0x910 | true  | false | ''",
        "0x916 | true  | false | ''",
        "0x917 | false | false | ''",
        "0x90F | false | false | ''",
        "0x918 | false | true  | ''",
        "0x91E | false | true  | ''",
        "0x91F | false | false | ''",
        "0x101 | false | false | ''",
        "0x921 | false | false | ''",
    })
    void formatOneAndFormatZeroCodesAreDecodedByTheirBits(String code, boolean staleHandle, boolean staleSession,
            String where) {
        int rc = Integer.decode(code);
        assertThat(ResponseCodes.staleHandle(rc)).as("staleHandle").isEqualTo(staleHandle);
        assertThat(ResponseCodes.staleSession(rc)).as("staleSession").isEqualTo(staleSession);
        assertThat(ResponseCodes.where(rc)).as("where").isEqualTo(where);
    }

    @Test
    void namesComeFromTheBaseCodeAndAnUnknownOneIsShownInHex() {
        assertThat(ResponseCodes.name(0x98E)).isEqualTo("TPM_RC_AUTH_FAIL");
        assertThat(ResponseCodes.name(0x1C4)).isEqualTo("TPM_RC_VALUE");
        assertThat(ResponseCodes.name(0x916)).isEqualTo("TPM_RC_REFERENCE_H6");
        assertThat(ResponseCodes.name(0x91E)).isEqualTo("TPM_RC_REFERENCE_S6");
        assertThat(ResponseCodes.name(0x921)).isEqualTo("TPM_RC_LOCKOUT");
        assertThat(ResponseCodes.name(0x0BF)).isEqualTo("TPM_RC_0x0BF");
        assertThat(ResponseCodes.base(0x98E)).isEqualTo(ResponseCodes.AUTH_FAIL);
        assertThat(ResponseCodes.base(0x921)).isEqualTo(ResponseCodes.LOCKOUT);
    }

    @ParameterizedTest(name = "0x{1}")
    @CsvSource(delimiter = '|', value = {
        "00000176 | 98E | TPM command 0x00000176 failed with TPM_RC_AUTH_FAIL (0x98E) (session 1): wrong PIN or"
                + " authorization value; the TPM counts this toward dictionary-attack lockout",
        "00000131 | 9A2 | TPM command 0x00000131 failed with TPM_RC_BAD_AUTH (0x9A2) (session 1): the owner hierarchy"
                + " has an authorization value set; tpmssh creates its storage key under the owner hierarchy and"
                + " needs that authorization",
        "0000015D | 9A2 | TPM command 0x0000015D failed with TPM_RC_BAD_AUTH (0x9A2) (session 1): wrong PIN or"
                + " authorization value",
        "00000157 | 921 | TPM command 0x00000157 failed with TPM_RC_LOCKOUT (0x921): the TPM is in"
                + " dictionary-attack lockout; wait for the recovery time or reset it with the lockout authorization",
        "00000153 | 902 | TPM command 0x00000153 failed with TPM_RC_OBJECT_MEMORY (0x902): the TPM has no free object"
                + " slots; another client left objects loaded (flush them with `tpm2_flushcontext -t`) or use a"
                + " resource manager such as /dev/tpmrm0",
        "00000176 | 903 | TPM command 0x00000176 failed with TPM_RC_SESSION_MEMORY (0x903): the TPM has no free"
                + " session slots; other programs, or killed ones, left sessions loaded, and nothing tells whose a"
                + " session is, so tpmssh leaves them alone. Once those programs are gone, free them with"
                + " `tpm2_flushcontext -l`, or share the TPM through a resource manager such as /dev/tpmrm0 or"
                + " tpm2-abrmd",
        "0000017B | 100 | TPM command 0x0000017B failed with TPM_RC_INITIALIZE (0x100): the TPM has not been started;"
                + " send TPM2_Startup or restart the simulator",
        "0000012E | 920 | TPM command 0x0000012E failed with TPM_RC_NV_RATE (0x920): the TPM is rate-limiting writes"
                + " to its non-volatile memory (it does so after authorization failures or many NV updates); wait a"
                + " few seconds and try again",
        "0000015D | 922 | TPM command 0x0000015D failed with TPM_RC_RETRY (0x922): the TPM stayed busy through every"
                + " retry; try again in a moment, and if it persists check whether another program keeps the TPM busy"
                + " or its self-test failed",
        "0000015D | 908 | TPM command 0x0000015D failed with TPM_RC_YIELDED (0x908): the TPM stayed busy through every"
                + " retry; try again in a moment, and if it persists check whether another program keeps the TPM busy"
                + " or its self-test failed",
        "0000015D | 90A | TPM command 0x0000015D failed with TPM_RC_TESTING (0x90A): the TPM stayed busy through every"
                + " retry; try again in a moment, and if it persists check whether another program keeps the TPM busy"
                + " or its self-test failed",
        "00000157 | 1C4 | TPM command 0x00000157 failed with TPM_RC_VALUE (0x1C4) (parameter 1)",
    })
    void eachDescriptionNamesTheCommandTheCodeWhereAndWhatToDo(String cc, String rc, String description) {
        assertThat(ResponseCodes.describe(Integer.parseUnsignedInt(cc, 16), Integer.parseInt(rc, 16)))
                .isEqualTo(description);
    }
}
