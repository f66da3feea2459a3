package org.tpmssh.tpm.sessions;

/**
 * An authorization session handed to a command as an argument (go-tpm style), never
 * hidden global state. A {@link PasswordSession} sends the authValue itself; an
 * {@link HmacSession} proves knowledge of it and can encrypt the first parameter.
 */
public sealed interface Session permits PasswordSession, HmacSession {

    /** The session handle written into the command's authorization area. */
    int handle();

    /** Password sessions: {@link PasswordSession#INSTANCE}. */
    static Session password() {
        return PasswordSession.INSTANCE;
    }
}
