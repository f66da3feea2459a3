package org.tpmssh.stack.tpm2pkcs11;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What {@code ~/.tpm2_pkcs11} and {@code ~/.ssh} hold (names, sizes, times), taken before a test
 * and compared after: tpm2-pkcs11 falls back to the home store when TPM2_PKCS11_STORE is lost.
 */
record HomeSnapshot(Map<String, String> entries) {
    static HomeSnapshot take() throws IOException {
        Map<String, String> m = new TreeMap<>();
        Path home = Path.of(System.getProperty("user.home"));
        for (String d : new String[] {".tpm2_pkcs11", ".ssh"}) {
            Path p = home.resolve(d);
            if (!Files.exists(p)) {
                m.put(d, "absent");
                continue;
            }
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : s.toList()) {
                    m.put(f.toString(), Files.size(f) + "@" + Files.getLastModifiedTime(f));
                }
            }
        }
        return new HomeSnapshot(m);
    }

    void assertUnchanged() throws IOException {
        assertThat(take().entries()).as("~/.tpm2_pkcs11 and ~/.ssh").isEqualTo(entries);
    }
}
