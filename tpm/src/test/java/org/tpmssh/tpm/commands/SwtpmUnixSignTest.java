package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.testing.SwtpmTpm;

/** The sign contract on swtpm over a unix socket. */
class SwtpmUnixSignTest extends SignContract {
    @Override
    SwtpmTpm.Backend backend() {
        return SwtpmTpm.Backend.SWTPM_UNIX;
    }
}
