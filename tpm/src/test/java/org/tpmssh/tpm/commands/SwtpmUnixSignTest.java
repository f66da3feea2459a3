package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.testing.SimulatorTpm;

/** The sign contract on swtpm over a unix socket. */
class SwtpmUnixSignTest extends SignContract {
    @Override
    SimulatorTpm.Backend backend() {
        return SimulatorTpm.Backend.SWTPM_UNIX;
    }
}
