package org.tpmssh.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Secrets never leave Tpm2Ptool in a message: the arguments and tpm2_ptool's own echo of tpm2-tools. */
class Tpm2PtoolTest {
    private static final List<String> ARGS = List.of("import", "--label=tok", "--userpin=24680", "--sopin=so-9",
            "--privkey=/tmp/k.pem");

    @Test
    void secretArgumentsAreMasked() {
        assertThat(Tpm2Ptool.masked(ARGS)).isEqualTo("import --label=tok --userpin=*** --sopin=*** --privkey=/tmp/k.pem");
    }

    @Test
    void objectAuthsAndPinsInToolOutputAreMasked() {
        // The shape tpm2_ptool 1.9.0 prints when tpm2_import fails (measured), with the key's auth after -p.
        String stderr = "command: tpm2_import -V -C /tmp/x/primary.handle -i /tmp/k.pem -p aecd47379e52f2ff1103f38c54a7cec1"
                + " -G ecc\nobject-auth: 9bc250b48bb14f2718ccce97a6602054\nuserpin was 24680";
        String out = Tpm2Ptool.scrubbed(stderr, ARGS);
        assertThat(out).doesNotContain("aecd47379e52f2ff1103f38c54a7cec1").doesNotContain("9bc250b48bb14f27")
                .doesNotContain("24680").contains("-p ***").contains("-G ecc");
    }
}
