package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.testing.SimulatorTpm;

/** The sign contract on the IBM simulator (mssim protocol); skipped with its reason where tpm_server is absent. */
class MssimSignTest extends SignContract {
    @Override
    SimulatorTpm.Backend backend() {
        return SimulatorTpm.Backend.MSSIM;
    }
}
