package org.tpmssh.tpm.crosscheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.commands.AuthHandle;
import org.tpmssh.tpm.commands.CreatePrimary;
import org.tpmssh.tpm.commands.FlushContext;
import org.tpmssh.tpm.commands.Startup;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.transport.Tcti;

/**
 * Our SRKs have the Names tpm2-tools gives {@code tpm2_createprimary -C o -G ecc|rsa} on the same
 * swtpm, so keys load under either stack's SRK. Faked: nothing.
 */
class SrkNameTest {

    @ParameterizedTest(name = "[swtpm | tpm2_createprimary -G {0}]")
    @CsvSource({"ecc", "rsa"})
    void ourSrkHasTheNameTpm2ToolsGiveIt(String alg, @TempDir Path dir) throws Exception {
        try (Swtpm sw = Swtpm.start()) {
            tpm2(dir, sw, "tpm2_createprimary", "-C", "o", "-G", alg, "-c", "srk.ctx");
            tpm2(dir, sw, "tpm2_readpublic", "-c", "srk.ctx", "-n", "srk.name");
            tpm2(dir, sw, "tpm2_flushcontext", "-t");
            byte[] toolsName = Files.readAllBytes(dir.resolve("srk.name"));

            TpmtPublic template = alg.equals("ecc") ? Templates.srkEcc() : Templates.srkRsa();
            try (Tpm tpm = new Tpm(Tcti.parse(sw.tcti()).open())) {
                Startup.ensureStarted(tpm);
                CreatePrimary.Result srk = new CreatePrimary(AuthHandle.owner(), template, null).execute(tpm);
                try {
                    assertThat(hex(srk.name())).as("the TPM's Name for our SRK").isEqualTo(hex(toolsName));
                    assertThat(hex(srk.outPublic().name())).as("our computed Name").isEqualTo(hex(toolsName));
                } finally {
                    new FlushContext(srk.handle()).execute(tpm);
                }
            }
        }
    }

    /** Runs one tpm2-tools command against {@code sw} in {@code dir}; fails with its output if it fails. */
    private static void tpm2(Path dir, Swtpm sw, String... command) throws IOException, InterruptedException {
        Path log = dir.resolve(command[0] + ".log");
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("TPM2TOOLS_TCTI", sw.tcti());
        Process p = pb.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError(command[0] + " did not finish within 60 s");
            }
            assertThat(p.exitValue()).as(command[0] + " exit status; output:\n"
                    + Files.readString(log, StandardCharsets.UTF_8)).isZero();
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
