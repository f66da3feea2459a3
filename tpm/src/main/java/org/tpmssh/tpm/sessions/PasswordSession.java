package org.tpmssh.tpm.sessions;

import org.tpmssh.tpm.structures.Handles;

/**
 * TPM_RS_PW: the authValue travels in clear. We use it only for entities whose authValue is
 * empty (the SRK, PIN-less keys); anything with a PIN goes through an {@link HmacSession}.
 */
public final class PasswordSession implements Session {
    static final PasswordSession INSTANCE = new PasswordSession();

    private PasswordSession() {
    }

    @Override
    public int handle() {
        return Handles.RS_PW;
    }
}
