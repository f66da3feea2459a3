package org.tpmssh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;
import picocli.CommandLine;

/**
 * The real scenario suites run by {@code tpmssh conformance --tcti} against a TPM the caller
 * started (here a swtpm), the path a hardware lab takes with {@code device:/dev/tpmrm0}.
 */
class ConformanceOnAGivenTpmTest {
    @TempDir
    Path reports;

    @Test
    void theWalkingSkeletonPassesOnTheGivenTpm() {
        try (Swtpm sw = Swtpm.start()) {
            CommandLine cli = Main.commandLine(Main.SCENARIO_PACKAGE);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            int exit = cli.execute("conformance", "--tcti", sw.tcti(), "--reports-dir", reports.toString());
            assertThat(exit).as(out + "\n" + err).isZero();
            assertThat(out.toString()).contains("PASS  ssh logs in to sshd with an ECDSA P-256 key held in the TPM")
                    .contains("3 passed, 0 failed, 0 skipped");
        }
    }
}
