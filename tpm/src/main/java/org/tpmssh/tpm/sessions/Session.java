package org.tpmssh.tpm.sessions;

/**
 * An authorization session, handed to a command as an argument: a {@link PasswordSession} sends
 * the authValue, an {@link HmacSession} proves it.
 */
public sealed interface Session permits PasswordSession, HmacSession {

    /** The session handle written into the command's authorization area. */
    int handle();

    /** Password sessions: {@link PasswordSession#INSTANCE}. */
    static Session password() {
        return PasswordSession.INSTANCE;
    }
}
