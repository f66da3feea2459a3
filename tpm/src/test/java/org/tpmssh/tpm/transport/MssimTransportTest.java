package org.tpmssh.tpm.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.tpmssh.tpm.transport.Tpm2.assertEightRandomBytes;
import static org.tpmssh.tpm.transport.Tpm2.rc;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tpmssh.emulators.IbmSimulator;

/**
 * MssimTransport against a real IBM simulator; skipped, with the reason, where tpm_server is not installed
 * (set TPMSSH_IBM_SIMULATOR to a tpm_server built from ibmswtpm2).
 */
class MssimTransportTest {

    private static final TransportTimeouts TIMEOUT = TransportTimeouts.of(Duration.ofSeconds(10));
    private IbmSimulator simulator;

    @BeforeEach
    void startSimulator() {
        assumeTrue(IbmSimulator.availability().isEmpty(), () -> IbmSimulator.availability().orElseThrow());
        simulator = IbmSimulator.start();
    }

    @AfterEach
    void stopSimulator() {
        if (simulator != null) {
            simulator.close();
        }
    }

    @Test
    void aFreshSimulatorNeedsPowerOnThenStartup() throws Exception {
        try (MssimTransport transport = MssimTransport.connect(simulator.host(), simulator.port(), false, TIMEOUT)) {
            transport.powerOn();
            assertThat(rc(transport.transmit(Tpm2.getRandom8()))).isEqualTo(Tpm2.RC_INITIALIZE);
            assertThat(rc(transport.transmit(Tpm2.startupClear()))).isEqualTo(Tpm2.RC_SUCCESS);
            assertEightRandomBytes(transport.transmit(Tpm2.getRandom8()));
        }
    }

    @Test
    void theTctiPowersOnAndGetRandomWorksAfterStartup() throws Exception {
        try (TpmTransport transport = Tcti.parse(simulator.tcti()).open(TIMEOUT)) {
            assertThat(rc(transport.transmit(Tpm2.startupClear()))).isEqualTo(Tpm2.RC_SUCCESS);
            byte[] first = transport.transmit(Tpm2.getRandom8());
            assertEightRandomBytes(first);
            assertThat(transport.transmit(Tpm2.getRandom8())).isNotEqualTo(first);
        }
    }

    @Test
    void aPowerCycleNeedsStartupAgain() throws Exception {
        try (MssimTransport transport = MssimTransport.connect(simulator.host(), simulator.port(), true, TIMEOUT)) {
            assertThat(rc(transport.transmit(Tpm2.startupClear()))).isEqualTo(Tpm2.RC_SUCCESS);
            transport.powerCycle();
            assertThat(rc(transport.transmit(Tpm2.getRandom8()))).isEqualTo(Tpm2.RC_INITIALIZE);
        }
    }

    @Test
    void aSecondConnectionWorksAfterTheFirstEndsItsSession() throws Exception {
        try (TpmTransport first = Tcti.parse(simulator.tcti()).open(TIMEOUT)) {
            assertThat(rc(first.transmit(Tpm2.startupClear()))).isEqualTo(Tpm2.RC_SUCCESS);
        }
        try (TpmTransport second = Tcti.parse(simulator.tcti()).open(TIMEOUT)) {
            assertEightRandomBytes(second.transmit(Tpm2.getRandom8()));
        }
    }

    @Test
    void aKilledSimulatorFailsTheNextCommand() throws Exception {
        try (TpmTransport transport = Tcti.parse(simulator.tcti()).open(TIMEOUT)) {
            simulator.kill();
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> transport.transmit(Tpm2.startupClear())))
                    .isInstanceOf(TransportException.class).hasMessageContaining("tpm_server at 127.0.0.1:");
        }
    }
}
