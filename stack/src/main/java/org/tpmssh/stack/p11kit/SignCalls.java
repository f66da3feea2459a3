package org.tpmssh.stack.p11kit;

import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Ckr;
import org.tpmssh.stack.pkcs11.Mechanism;
import org.tpmssh.stack.pkcs11.MechanismInfo;
import org.tpmssh.stack.pkcs11.Pkcs11Exception;
import org.tpmssh.stack.pkcs11.Session;

/**
 * C_SignInit, C_Sign, C_SignUpdate and C_SignFinal over the model's one-shot {@link Session#sign}:
 * a length query or a buffer too small leaves the operation active, as PKCS#11 requires, and parts
 * are gathered (at most {@link #MAX_SIGN_DATA} bytes) until C_SignFinal.
 */
final class SignCalls {
    static final int MAX_SIGN_DATA = 1 << 20;

    private SignCalls() {
    }

    static void register(Map<RpcCall, CallHandler> table) {
        table.put(RpcCall.C_SignInit, SignCalls::signInit);
        table.put(RpcCall.C_Sign, SignCalls::sign);
        table.put(RpcCall.C_SignUpdate, SignCalls::signUpdate);
        table.put(RpcCall.C_SignFinal, SignCalls::signFinal);
    }

    private static byte[] signInit(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        RpcMechanism m = in.readMechanism();
        long key = in.readUlong();
        in.end();
        RpcSession s = app.session(handle);
        if (s.signing != null) {
            throw new Pkcs11Exception(Ckr.OPERATION_ACTIVE, "a signature is in progress; finish it with C_Sign or"
                    + " C_SignFinal");
        }
        if (MechanismInfo.of(m.type()).isEmpty()) {
            throw new Pkcs11Exception(Ckr.MECHANISM_INVALID, "mechanism 0x" + Long.toHexString(m.type())
                    + " is not one a tpmssh token signs with");
        }
        Mechanism mechanism = m.toModel();
        if (mechanism == null) {
            throw new Pkcs11Exception(Ckr.MECHANISM_PARAM_INVALID, "mechanism 0x" + Long.toHexString(m.type())
                    + " takes no parameters");
        }
        s.model().signInit(mechanism, key);
        s.signing = new RpcSession.SignOperation(mechanism, key, signatureLength(s.model(), key),
                new ByteArrayOutputStream());
        return RpcWriter.response(RpcCall.C_SignInit).toBytes();
    }

    private static byte[] sign(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        byte[] data = in.readByteArray();
        long room = in.readByteBuffer();
        in.end();
        RpcSession s = app.session(handle);
        RpcSession.SignOperation op = operation(s);
        if (op.parts().size() > 0) {
            s.abandonSigning(app);
            throw new Pkcs11Exception(Ckr.OPERATION_ACTIVE, "C_SignUpdate began this signature; end it with"
                    + " C_SignFinal");
        }
        return finish(s, op, data == null ? new byte[0] : data, room, RpcCall.C_Sign);
    }

    private static byte[] signUpdate(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        byte[] part = in.readByteArray();
        in.end();
        RpcSession s = app.session(handle);
        RpcSession.SignOperation op = operation(s);
        int n = part == null ? 0 : part.length;
        if (op.parts().size() + (long) n > MAX_SIGN_DATA) {
            s.abandonSigning(app);
            throw new Pkcs11Exception(Ckr.DATA_LEN_RANGE, "this server signs at most " + MAX_SIGN_DATA
                    + " bytes of data in parts");
        }
        op.parts().write(part == null ? new byte[0] : part, 0, n);
        return RpcWriter.response(RpcCall.C_SignUpdate).toBytes();
    }

    private static byte[] signFinal(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        long room = in.readByteBuffer();
        in.end();
        RpcSession s = app.session(handle);
        RpcSession.SignOperation op = operation(s);
        return finish(s, op, op.parts().toByteArray(), room, RpcCall.C_SignFinal);
    }

    /** Signs, or answers only the length (which keeps the operation for the next call). */
    private static byte[] finish(RpcSession s, RpcSession.SignOperation op, byte[] data, long room, RpcCall call)
            throws Pkcs11Exception {
        boolean fits = room != RpcReader.EMPTY_BUFFER && room >= op.signatureLength();
        if (!fits) {
            return RpcWriter.response(call).byteArrayLength(op.signatureLength()).toBytes();
        }
        s.signing = null; // the model ends its operation in sign(), whatever happens
        return RpcWriter.response(call).byteArray(s.model().sign(data)).toBytes();
    }

    private static RpcSession.SignOperation operation(RpcSession s) throws Pkcs11Exception {
        if (s.signing == null) {
            throw new Pkcs11Exception(Ckr.OPERATION_NOT_INITIALIZED, "call C_SignInit first");
        }
        return s.signing;
    }

    /** ECDSA: r || s, twice the coordinate size (from CKA_EC_POINT, 04 || X || Y); RSA: the modulus's bytes. */
    static int signatureLength(Session session, long key) throws Pkcs11Exception {
        if ((Long) session.getAttribute(key, Ck.CKA_KEY_TYPE) == Ck.CKK_EC) {
            byte[] octet = (byte[]) session.getAttribute(key, Ck.CKA_EC_POINT);
            int header = octet.length > 1 && (octet[1] & 0x80) != 0 ? 2 + (octet[1] & 0x7f) : 2;
            return octet.length - header - 1;
        }
        byte[] modulus = (byte[]) session.getAttribute(key, Ck.CKA_MODULUS);
        return modulus.length;
    }
}
