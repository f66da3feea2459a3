package org.tpmssh.stack.ssh;

import java.io.IOException;

/**
 * Bytes that claim to be SSH wire format (RFC 4251 section 5) are not; the message names the field, never the
 * data.
 */
public class SshWireFormatException extends IOException {

    public SshWireFormatException(String message) {
        super(message);
    }
}
