package org.tpmssh.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.Tcti;

/** What a real swtpm says about itself, read by TpmInfo and, as the oracle, by tpm2-tools' tpm2_getcap. */
class TpmInfoTest {
    private static final Pattern PROPERTY =
            Pattern.compile("(?m)^(TPM2_PT_\\w+):\\n  raw: (0x[0-9A-Fa-f]+|\\d+)(?:\\n  value: \"?([^\"\\n]*)\"?)?");

    @TempDir
    Path dir;

    @Test
    void makerFirmwareSpecAndSlotsAreWhatTpm2GetcapReads() throws Exception {
        assumeTrue(SearchPath.system().find("tpm2_getcap").isPresent(), "tpm2-tools (tpm2_getcap) is not installed");
        try (Swtpm swtpm = Swtpm.start()) {
            TpmInfo info;
            try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).open())) {
                info = TpmInfo.read(tpm);
            } // swtpm serves one connection at a time: tpm2_getcap comes after ours closed
            Map<String, String[]> p = getcap(swtpm.tcti());

            assertThat(info.manufacturer()).isEqualTo(value(p, "TPM2_PT_MANUFACTURER")).isNotEmpty();
            assertThat(info.vendorString()).isEqualTo((value(p, "TPM2_PT_VENDOR_STRING_1")
                    + value(p, "TPM2_PT_VENDOR_STRING_2") + value(p, "TPM2_PT_VENDOR_STRING_3")
                    + value(p, "TPM2_PT_VENDOR_STRING_4")).trim()).isNotEmpty();
            long fw1 = raw(p, "TPM2_PT_FIRMWARE_VERSION_1");
            long fw2 = raw(p, "TPM2_PT_FIRMWARE_VERSION_2");
            assertThat(info.firmwareVersion()).isEqualTo(String.format("%d.%d.%d.%d", fw1 / 65536, fw1 % 65536,
                    fw2 / 65536, fw2 % 65536));
            // tpm2_getcap writes the revision as 1.64 for raw 164; its level has only a raw value.
            assertThat(info.specRevision()).isEqualTo(value(p, "TPM2_PT_FAMILY_INDICATOR") + " level "
                    + raw(p, "TPM2_PT_LEVEL") + " revision " + value(p, "TPM2_PT_REVISION"));
            assertThat(info.transientSlotsMin()).isEqualTo((int) raw(p, "TPM2_PT_HR_TRANSIENT_MIN"));
        }
    }

    private Map<String, String[]> getcap(String tcti) throws Exception {
        Path out = dir.resolve("properties-fixed.yaml");
        ProcessBuilder pb = new ProcessBuilder("tpm2_getcap", "properties-fixed").redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().put("TPM2TOOLS_TCTI", tcti);
        Process getcap = pb.start();
        if (!getcap.waitFor(30, TimeUnit.SECONDS)) {
            getcap.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("tpm2_getcap did not finish within 30 s");
        }
        String yaml = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(getcap.exitValue()).as(yaml).isZero();
        Map<String, String[]> properties = new HashMap<>();
        Matcher m = PROPERTY.matcher(yaml);
        while (m.find()) {
            properties.put(m.group(1), new String[] {m.group(2), m.group(3)});
        }
        return properties;
    }

    private static long raw(Map<String, String[]> p, String name) {
        assertThat(p).as("tpm2_getcap properties-fixed").containsKey(name);
        return Long.decode(p.get(name)[0]);
    }

    private static String value(Map<String, String[]> p, String name) {
        assertThat(p).as("tpm2_getcap properties-fixed").containsKey(name);
        return p.get(name)[1] == null ? "" : p.get(name)[1];
    }
}
