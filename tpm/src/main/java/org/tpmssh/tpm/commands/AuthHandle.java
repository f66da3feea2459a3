package org.tpmssh.tpm.commands;

import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.Handles;

/**
 * A handle that a command must authorize, with the entity's Name (for cpHash), its
 * authValue and the session that proves it. The authValue stays in memory only.
 */
public record AuthHandle(int handle, byte[] name, byte[] authValue, Session session) {

    public AuthHandle {
        authValue = authValue == null ? new byte[0] : authValue;
    }

    /** The owner hierarchy with an empty owner authorization, through a password session. */
    public static AuthHandle owner() {
        return permanent(Handles.RH_OWNER, null, Session.password());
    }

    /** The lockout hierarchy; tests and labs set DA parameters through it. */
    public static AuthHandle lockout(byte[] lockoutAuth, Session session) {
        return permanent(Handles.RH_LOCKOUT, lockoutAuth, session);
    }

    public static AuthHandle permanent(int handle, byte[] auth, Session session) {
        return new AuthHandle(handle, Handles.handleName(handle), auth, session);
    }

    @Override
    public String toString() {
        // Never print the authValue.
        return "AuthHandle[" + Handles.hex(handle) + ", session=" + session + "]";
    }
}
