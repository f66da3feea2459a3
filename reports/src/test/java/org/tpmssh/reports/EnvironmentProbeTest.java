package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.tpmssh.reports.environment.EnvironmentProbe;
import org.tpmssh.reports.model.Environment;

/** The probe against this machine's real tools; a tool that is absent here is skipped, not faked. */
class EnvironmentProbeTest {

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void namesTheOsKernelJavaAndTheTpmsItWasGiven() {
        Environment.TpmInfo tpm = new Environment.TpmInfo("swtpm-tcp", "IBM", "8217", "1.59");
        Environment e = EnvironmentProbe.probe(List.of(tpm));

        assertThat(e.os()).isNotBlank();
        assertThat(e.java()).contains(System.getProperty("java.version").split("[.+]")[0]);
        assertThat(e.kernel()).isEqualTo(System.getProperty("os.name").equals("Linux")
                ? System.getProperty("os.version") : e.kernel());
        assertThat(e.tpms()).containsExactly(tpm);
    }

    @Test
    void namesTheOpenSshSwtpmAndTssVersionsInstalledHere() {
        Assumptions.assumeTrue(onPath("ssh") && onPath("swtpm") && onPath("dpkg-query"),
                "needs ssh, swtpm and dpkg-query (Debian) on the PATH");
        Environment e = EnvironmentProbe.probe(List.of());

        assertThat(e.openssh()).startsWith("OpenSSH_");
        assertThat(e.swtpm()).containsIgnoringCase("TPM emulator version");
        assertThat(e.tpm2Tss()).matches("\\d+\\.\\d+.*\\(libtss2-esys.*\\)");
    }
}
