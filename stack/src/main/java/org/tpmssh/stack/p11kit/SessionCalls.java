package org.tpmssh.stack.p11kit;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Ckr;
import org.tpmssh.stack.pkcs11.Pkcs11Exception;

/** Sessions, login and PINs, and the TPM's random numbers. PINs are wiped as soon as the model has them. */
final class SessionCalls {
    /** C_GenerateRandom serves at most this much per call: each 32 bytes cost one TPM command. */
    static final int MAX_RANDOM_BYTES = 64 * 1024;

    private SessionCalls() {
    }

    static void register(Map<RpcCall, CallHandler> table) {
        table.put(RpcCall.C_OpenSession, SessionCalls::openSession);
        table.put(RpcCall.C_CloseSession, SessionCalls::closeSession);
        table.put(RpcCall.C_CloseAllSessions, SessionCalls::closeAllSessions);
        table.put(RpcCall.C_GetSessionInfo, SessionCalls::sessionInfo);
        table.put(RpcCall.C_Login, SessionCalls::login);
        table.put(RpcCall.C_Logout, SessionCalls::logout);
        table.put(RpcCall.C_InitPIN, SessionCalls::initPin);
        table.put(RpcCall.C_SetPIN, SessionCalls::setPin);
        table.put(RpcCall.C_GenerateRandom, SessionCalls::generateRandom);
        table.put(RpcCall.C_SeedRandom, SessionCalls::seedRandom);
    }

    private static byte[] openSession(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long slot = in.readUlong();
        long flags = in.readUlong();
        in.end();
        app.token(slot);
        if ((flags & Ck.CKF_SERIAL_SESSION) == 0) {
            throw new Pkcs11Exception(Ckr.SESSION_PARALLEL_NOT_SUPPORTED, "open sessions with CKF_SERIAL_SESSION");
        }
        RpcSession s = app.openSession(slot, (flags & Ck.CKF_RW_SESSION) != 0);
        return RpcWriter.response(RpcCall.C_OpenSession).ulong(s.handle).toBytes();
    }

    private static byte[] closeSession(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        in.end();
        app.closeSession(app.session(handle));
        return RpcWriter.response(RpcCall.C_CloseSession).toBytes();
    }

    private static byte[] closeAllSessions(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long slot = in.readUlong();
        in.end();
        app.token(slot);
        for (RpcSession s : app.sessions(slot)) {
            app.closeSession(s);
        }
        return RpcWriter.response(RpcCall.C_CloseAllSessions).toBytes();
    }

    private static byte[] sessionInfo(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        in.end();
        RpcSession s = app.session(handle);
        long who = app.loggedIn(s.slot);
        long state = who == Ck.CKU_SO ? Ck.CKS_RW_SO_FUNCTIONS
                : who == Ck.CKU_USER ? (s.readWrite ? Ck.CKS_RW_USER_FUNCTIONS : Ck.CKS_RO_USER_FUNCTIONS)
                : (s.readWrite ? Ck.CKS_RW_PUBLIC_SESSION : Ck.CKS_RO_PUBLIC_SESSION);
        long flags = Ck.CKF_SERIAL_SESSION | (s.readWrite ? Ck.CKF_RW_SESSION : 0);
        return RpcWriter.response(RpcCall.C_GetSessionInfo).ulong(s.slot).ulong(state).ulong(flags).ulong(0)
                .toBytes();
    }

    private static byte[] login(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        long userType = in.readUlong();
        byte[] pin = in.readByteArray();
        try {
            in.end();
            RpcSession s = app.session(handle);
            if (userType == Ck.CKU_SO && app.sessions(s.slot).stream().anyMatch(x -> !x.readWrite)) {
                throw new Pkcs11Exception(Ckr.SESSION_READ_ONLY_EXISTS, "close the read-only sessions before the SO"
                        + " logs in");
            }
            char[] chars = pinChars(pin);
            try {
                s.model().login(userType, chars);
            } finally {
                Secrets.wipe(chars);
            }
            app.setLoggedIn(s.slot, userType);
            return RpcWriter.response(RpcCall.C_Login).toBytes();
        } finally {
            Secrets.wipe(pin);
        }
    }

    private static byte[] logout(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        in.end();
        RpcSession s = app.session(handle);
        s.model().logout();
        app.setLoggedIn(s.slot, -1);
        return RpcWriter.response(RpcCall.C_Logout).toBytes();
    }

    private static byte[] initPin(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        byte[] pin = in.readByteArray();
        try {
            in.end();
            RpcSession s = app.session(handle);
            char[] chars = pinChars(pin);
            try {
                s.model().initPin(chars);
            } finally {
                Secrets.wipe(chars);
            }
            return RpcWriter.response(RpcCall.C_InitPIN).toBytes();
        } finally {
            Secrets.wipe(pin);
        }
    }

    private static byte[] setPin(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        byte[] oldPin = in.readByteArray();
        byte[] newPin = null;
        char[] oldChars = null;
        char[] newChars = null;
        try {
            newPin = in.readByteArray();
            in.end();
            RpcSession s = app.session(handle);
            oldChars = pinChars(oldPin);
            newChars = pinChars(newPin);
            s.model().setPin(oldChars, newChars);
            return RpcWriter.response(RpcCall.C_SetPIN).toBytes();
        } finally {
            Secrets.wipe(oldPin);
            Secrets.wipe(newPin);
            Secrets.wipe(oldChars);
            Secrets.wipe(newChars);
        }
    }

    private static byte[] generateRandom(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        long length = in.readByteBuffer();
        in.end();
        app.session(handle);
        if (length == RpcReader.EMPTY_BUFFER || length == 0) {
            return RpcWriter.response(RpcCall.C_GenerateRandom).byteArray(new byte[0]).toBytes();
        }
        if (length > MAX_RANDOM_BYTES) {
            throw new Pkcs11Exception(Ckr.ARGUMENTS_BAD, "ask for at most " + MAX_RANDOM_BYTES
                    + " random bytes a call");
        }
        return RpcWriter.response(RpcCall.C_GenerateRandom).byteArray(app.module().generateRandom((int) length))
                .toBytes();
    }

    private static byte[] seedRandom(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long handle = in.readUlong();
        in.readByteArray();
        in.end();
        app.session(handle);
        throw new Pkcs11Exception(Ckr.RANDOM_SEED_NOT_SUPPORTED, "the TPM's generator takes no seed");
    }

    /** The PIN's UTF-8 bytes as chars, refusing a missing one (no protected path here) or one that is too long. */
    private static char[] pinChars(byte[] pin) throws Pkcs11Exception {
        if (pin == null) {
            throw new Pkcs11Exception(Ckr.ARGUMENTS_BAD, "give the PIN: this token has no protected"
                    + " authentication path");
        }
        if (pin.length > SlotCalls.MAX_PIN_BYTES) {
            throw new Pkcs11Exception(Ckr.PIN_LEN_RANGE, "a PIN has at most " + SlotCalls.MAX_PIN_BYTES + " bytes");
        }
        CharBuffer chars = null;
        try {
            chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(pin));
            return Arrays.copyOfRange(chars.array(), chars.position(), chars.limit());
        } catch (CharacterCodingException e) {
            throw new Pkcs11Exception(Ckr.PIN_INVALID, "the PIN is not UTF-8");
        } finally {
            if (chars != null && chars.hasArray()) {
                Arrays.fill(chars.array(), '\0');
            }
        }
    }
}
