package org.tpmssh.reports;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    @Test
    void namesThePackagesUnderTestWithDpkgsExactVersionAndKeepsWhatTheHarnessPublished() throws Exception {
        Assumptions.assumeTrue(onPath("dpkg-query"), "needs dpkg-query (Debian)");
        Environment e = EnvironmentProbe.probe(List.of(), Map.of("libtpm2-pkcs11-1", "9.9-published"));

        // The oracle: dpkg-query itself, one package at a time.
        for (String pkg : List.of("swtpm", "openssh-client", "libtss2-esys-3.0.2-0", "tpm2-abrmd")) {
            Process q = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", pkg).start();
            String version = new String(q.getInputStream().readAllBytes()).strip();
            if (q.waitFor() == 0 && !version.isEmpty()) {
                assertThat(e.packages()).containsEntry(pkg, version);
            } else {
                assertThat(e.packages()).doesNotContainKey(pkg);
            }
        }
        assertThat(e.packages()).containsEntry("libtpm2-pkcs11-1", "9.9-published")
                .doesNotContainKey("libtss2-esys0");
    }
}
