package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.tpmssh.tpm.transport.Tpm2.assertEightRandomBytes;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.TpmDevice;

/** DeviceTransport: opening errors everywhere, and GetRandom on a real TPM device where there is one. */
class DeviceTransportTest {

    @Test
    void aMissingDeviceSaysWhatToDo(@TempDir Path dir) {
        Path missing = dir.resolve("tpmrm0");
        assertThatThrownBy(() -> Tcti.parse("device:" + missing).open())
                .isInstanceOf(TransportException.class)
                .hasMessageStartingWith("cannot open " + missing + ": no such device. Is there a TPM");
    }

    @Test
    void getRandomOnTheRealDevice() throws Exception {
        TpmDevice.Probe probe = TpmDevice.probe();
        assumeTrue(probe.device().isPresent(), probe.reason());
        // GetRandom changes no TPM state, so it is safe on the machine's own TPM.
        try (TpmTransport transport = Tcti.parse(probe.device().orElseThrow().tcti()).open()) {
            assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));
        }
    }
}
