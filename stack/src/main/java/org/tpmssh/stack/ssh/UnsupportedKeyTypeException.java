package org.tpmssh.stack.ssh;

/**
 * A key or signature algorithm that tpmssh does not speak (only ECDSA nistp256/384/521 and RSA); the message
 * names what was found.
 */
public class UnsupportedKeyTypeException extends SshWireFormatException {

    public UnsupportedKeyTypeException(String message) {
        super(message);
    }
}
