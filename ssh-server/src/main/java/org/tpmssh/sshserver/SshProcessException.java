package org.tpmssh.sshserver;

import java.io.IOException;

/**
 * An OpenSSH program could not start, become ready or finish in time; the message carries what
 * it said or where its log is.
 */
public class SshProcessException extends IOException {

    public SshProcessException(String message) {
        super(message);
    }

    public SshProcessException(String message, Throwable cause) {
        super(message, cause);
    }
}
