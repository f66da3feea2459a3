package org.tpmssh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.CreatePrimary;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.Tcti;
import picocli.CommandLine;

/**
 * The real scenario suites run by {@code tpmssh conformance --tcti} against a TPM the caller
 * started (here a swtpm), the path a hardware lab takes with {@code device:/dev/tpmrm0}: it runs
 * as the device backend, under the lab rules, and leaves the TPM as it found it: even a copy of tpmssh's own
 * storage key, as a killed tpmssh would leave it, stays (the lab rules flush nothing they did not make).
 */
class ConformanceOnAGivenTpmTest {
    @TempDir
    Path reports;

    @Test
    void theLoginScenariosPassOnTheGivenTpmAndLeaveNothingBehind() throws Exception {
        try (Swtpm sw = Swtpm.start()) {
            String before;
            try (Tpm tpm = new Tpm(Tcti.parse(sw.tcti()).open())) {
                // What a killed tpmssh leaves: a copy of its ECC storage key (the Name every run's SRK has).
                new CreatePrimary(AuthHandle.owner(), ParentKind.ECC.template(), new byte[0]).execute(tpm);
                before = handles(tpm);
            }
            CommandLine cli = Main.commandLine(Main.SCENARIO_PACKAGE);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            int exit = cli.execute("conformance", "--tcti", sw.tcti(), "--server", "openssh", "--keys", "ecc-p256",
                    // A glob on the suite's display name ("Login with a TPM key"): the matrix reads it as discovery does.
                    "--scenarios", "login with a TPM k?y*", "--reports-dir", reports.toString());
            assertThat(exit).as(out + "\n" + err).isZero();
            assertThat(out.toString()).contains("PASS").contains("device |").contains(" passed, 0 failed, ")
                    .doesNotContain(" 0 passed");
            assertThat(Files.readString(reports.resolve("report.json"))).contains("\"backend\" : \"device\"");
            try (Tpm tpm = new Tpm(Tcti.parse(sw.tcti()).open())) {
                assertThat(handles(tpm)).as("the lab run left no object behind, and flushed nothing it found")
                        .isEqualTo(before);
            }
        }
    }

    private static String handles(Tpm tpm) throws Exception {
        return GetCapability.handles(tpm, 0x80000000) + " " + GetCapability.handles(tpm, 0x81000000);
    }
}
