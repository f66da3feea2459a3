package org.tpmssh.emulators;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device probe, on stand-in files: it must prefer the first usable candidate and explain an absence. */
class TpmDeviceTest {

    @Test
    void prefersTheFirstCandidateThatExists(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("tpmrm0");
        Path present = Files.createFile(dir.resolve("tpm0"));

        TpmDevice.Probe probe = TpmDevice.probe(List.of(missing, present));

        assertThat(probe.device()).contains(new TpmDevice(present));
        assertThat(probe.device().orElseThrow().tcti()).isEqualTo("device:" + present);
    }

    @Test
    void explainsWhyThereIsNoDevice(@TempDir Path dir) {
        TpmDevice.Probe probe = TpmDevice.probe(List.of(dir.resolve("tpmrm0"), dir.resolve("tpm0")));

        assertThat(probe.device()).isEmpty();
        assertThat(probe.reason()).isEqualTo("no usable TPM device: " + dir.resolve("tpmrm0") + " does not exist; "
                + dir.resolve("tpm0") + " does not exist");
    }
}
