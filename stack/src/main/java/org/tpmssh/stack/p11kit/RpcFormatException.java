package org.tpmssh.stack.p11kit;

/** A request that does not follow p11-kit's RPC encoding: the message names the field and what was wrong. */
final class RpcFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    RpcFormatException(String message) {
        super(message);
    }
}
