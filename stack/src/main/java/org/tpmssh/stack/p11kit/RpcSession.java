package org.tpmssh.stack.p11kit;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.tpmssh.stack.pkcs11.Mechanism;
import org.tpmssh.stack.pkcs11.Pkcs11Exception;
import org.tpmssh.stack.pkcs11.Session;

/**
 * A session handle a client holds: the model's {@link Session} behind it, and the state PKCS#11
 * keeps between calls that the model does not: a search's results and a signature's parts.
 */
final class RpcSession {
    final long handle;
    final long slot;
    final String token;
    final boolean readWrite;
    private Session session;
    List<Long> found;
    int foundAt;
    SignOperation signing;

    /** A C_SignInit whose C_Sign or C_SignFinal has not come yet. */
    record SignOperation(Mechanism mechanism, long key, int signatureLength, ByteArrayOutputStream parts) {
    }

    RpcSession(long handle, long slot, String token, boolean readWrite, Session session) {
        this.handle = handle;
        this.slot = slot;
        this.token = token;
        this.readWrite = readWrite;
        this.session = session;
    }

    Session model() {
        return session;
    }

    /**
     * Ends a signature the model still holds as active without signing: the model ends an
     * operation only in C_Sign, so the session is swapped for a fresh one (login lives in the module).
     */
    void abandonSigning(Application app) throws Pkcs11Exception {
        signing = null;
        session.close();
        session = app.module().openSession(slot);
    }

    void close() {
        signing = null;
        found = null;
        session.close();
    }
}
