package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.testing.SwtpmTpm;

/** The sign contract on swtpm over TCP. */
class SwtpmTcpSignTest extends SignContract {
    @Override
    SwtpmTpm.Backend backend() {
        return SwtpmTpm.Backend.SWTPM_TCP;
    }
}
