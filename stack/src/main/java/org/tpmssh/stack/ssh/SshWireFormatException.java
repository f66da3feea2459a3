package org.tpmssh.stack.ssh;

import java.io.IOException;

/**
 * Bytes that claim to be in SSH wire format (RFC 4251 section 5) are not: truncated, a length
 * longer than what remains, trailing garbage, or a value that the field cannot hold.
 * The message names the field, so a peer's bug can be found from one log line.
 */
public class SshWireFormatException extends IOException {

    public SshWireFormatException(String message) {
        super(message);
    }
}
