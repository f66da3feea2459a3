package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target for TCTI strings (--tcti, TPMSSH_TCTI): any text parses to a {@link Tcti} that reads back as
 * itself, or fails with one {@link TctiException}; nothing is connected. Seeds: the forms tpm2-tools documents.
 */
class TctiFuzzTest {

    @FuzzTest
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        Tcti tcti;
        try {
            tcti = Tcti.parse(text);
        } catch (TctiException expected) {
            assertThat(expected.getMessage()).startsWith(text.isBlank() ? "empty TCTI" : "bad TCTI");
            return;
        }
        assertThat(Tcti.parse(tcti.toString())).as("%s read back", tcti).isEqualTo(tcti);
    }
}
