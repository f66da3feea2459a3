package org.tpmssh.stack.agent;

import java.io.IOException;

/**
 * The agent socket could not be created safely: its path is too long or taken, or it would not be private to
 * this user.
 */
public class AgentSocketException extends IOException {

    public AgentSocketException(String message) {
        super(message);
    }

    public AgentSocketException(String message, Throwable cause) {
        super(message, cause);
    }
}
