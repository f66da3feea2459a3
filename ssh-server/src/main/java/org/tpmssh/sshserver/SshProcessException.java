package org.tpmssh.sshserver;

import java.io.IOException;

/**
 * An OpenSSH program (sshd, ssh, ssh-keygen, ssh-add) could not be started, did not become
 * ready, or did not finish in time. The message carries what the program said, or where its
 * log is, so the failure can be diagnosed without rerunning.
 */
public class SshProcessException extends IOException {

    public SshProcessException(String message) {
        super(message);
    }

    public SshProcessException(String message, Throwable cause) {
        super(message, cause);
    }
}
