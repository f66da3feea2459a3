package org.tpmssh.stack.agent;

import java.io.IOException;

/**
 * The agent socket could not be created safely: the path is too long for a unix socket,
 * already taken, or its directory or the socket itself is readable by other users.
 */
public class AgentSocketException extends IOException {

    public AgentSocketException(String message) {
        super(message);
    }

    public AgentSocketException(String message, Throwable cause) {
        super(message, cause);
    }
}
