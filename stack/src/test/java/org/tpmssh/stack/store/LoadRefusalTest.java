package org.tpmssh.stack.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * When a TPM refusal means a damaged blob, judged from its command and response code alone. No TPM runs: the
 * refusals are made up here as the TPM would answer them.
 */
class LoadRefusalTest {
    private static final byte[] SRK = {0, 11, 1, 2, 3};
    private static final Path FILE = Path.of("/store/tokens/t/keys/0011223344556677.json");

    private static TpmResponseException refusal(int command, int rc) {
        return new TpmResponseException(command, rc);
    }

    private static TokenRecord token(byte[] parentName) {
        return new TokenRecord("t", true, ParentKind.ECC, null, null, null, null, parentName);
    }

    @Test
    void onlyAFormatOneRefusalOfALoadRefusesTheBlob() {
        assertThat(LoadRefusal.refusesBlob(refusal(CommandCode.LOAD, ResponseCodes.INTEGRITY))).isTrue();
        assertThat(LoadRefusal.refusesBlob(refusal(CommandCode.CONTEXT_LOAD, ResponseCodes.INTEGRITY))).isTrue();
        assertThat(LoadRefusal.refusesBlob(refusal(CommandCode.LOAD, ResponseCodes.OBJECT_MEMORY)))
                .as("no room: a warning, not the blob").isFalse();
        assertThat(LoadRefusal.refusesBlob(refusal(CommandCode.LOAD, ResponseCodes.LOCKOUT))).isFalse();
        assertThat(LoadRefusal.refusesBlob(refusal(CommandCode.SIGN, ResponseCodes.INTEGRITY))).isFalse();
        assertThat(LoadRefusal.isLoadFailure(refusal(CommandCode.SIGN, ResponseCodes.SCHEME))).isFalse();
    }

    @Test
    void aRefusedBlobIsCalledDamagedOnlyOnTheTpmWhoseStorageKeyTheTokenRecords() {
        TpmResponseException e = refusal(CommandCode.LOAD, ResponseCodes.INTEGRITY);
        assertThat(LoadRefusal.damagedHere(e, token(SRK), SRK)).isTrue();
        assertThat(LoadRefusal.damagedHere(e, token(new byte[] {0, 11, 9}), SRK)).isFalse();
        assertThat(LoadRefusal.damagedHere(e, token(null), SRK)).isFalse();
        assertThat(LoadRefusal.damagedHere(e, null, SRK)).isFalse();

        assertThat(LoadRefusal.explain(e, token(SRK), SRK, "key 'k' of token 't'", FILE).getMessage())
                .isEqualTo("key 'k' of token 't' is damaged: this TPM made it, yet refuses its private blob in " + FILE
                        + " (TPM_RC_INTEGRITY). The file was left as it is; `tpmssh token check` says what can be"
                        + " recovered");
        assertThat(LoadRefusal.explain(e, token(null), SRK, "key 'k' of token 't'", FILE).getMessage())
                .startsWith("key 'k' of token 't' cannot be loaded into this TPM (TPM_RC_INTEGRITY): it was made by"
                        + " another TPM").contains(FILE + " is damaged");
    }
}
