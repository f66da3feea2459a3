package org.tpmssh.stack.p11kit;

import org.tpmssh.stack.pkcs11.Pkcs11Exception;

/** Handles one RPC call: reads its arguments, acts on the application, and returns the response body. */
@FunctionalInterface
interface CallHandler {
    byte[] handle(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException;
}
