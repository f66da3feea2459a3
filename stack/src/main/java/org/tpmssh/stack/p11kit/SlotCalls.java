package org.tpmssh.stack.p11kit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Ckr;
import org.tpmssh.stack.pkcs11.MechanismInfo;
import org.tpmssh.stack.pkcs11.Pkcs11Exception;
import org.tpmssh.stack.pkcs11.TokenInfo;

/** The module, slot, token and mechanism calls: what a client asks before it opens a session. */
final class SlotCalls {
    /** The RPC handshake C_Initialize carries (p11-kit's name for protocol version 0). */
    static final byte[] HANDSHAKE = "PRIVATE-GNOME-KEYRING-PKCS11-PROTOCOL-V-1".getBytes(StandardCharsets.US_ASCII);
    static final String MANUFACTURER = "tpmssh";
    /** CK_UNAVAILABLE_INFORMATION. */
    static final long UNAVAILABLE = -1L;
    static final int MAX_PIN_BYTES = 256;

    private SlotCalls() {
    }

    static void register(Map<RpcCall, CallHandler> table) {
        table.put(RpcCall.C_Initialize, SlotCalls::initialize);
        table.put(RpcCall.C_Finalize, SlotCalls::finalizeModule);
        table.put(RpcCall.C_GetInfo, SlotCalls::info);
        table.put(RpcCall.C_GetSlotList, SlotCalls::slotList);
        table.put(RpcCall.C_GetSlotInfo, SlotCalls::slotInfo);
        table.put(RpcCall.C_GetTokenInfo, SlotCalls::tokenInfo);
        table.put(RpcCall.C_GetMechanismList, SlotCalls::mechanismList);
        table.put(RpcCall.C_GetMechanismInfo, SlotCalls::mechanismInfo);
    }

    private static byte[] initialize(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        byte[] handshake = in.readByteArray();
        in.readByte(); // whether pReserved was given
        in.readByteArray(); // pReserved, a string p11-kit passes through; nothing here uses it
        in.end();
        if (!Arrays.equals(handshake, HANDSHAKE)) {
            throw new Pkcs11Exception(Ckr.GENERAL_ERROR, "C_Initialize came without p11-kit's RPC handshake");
        }
        app.initialize();
        return RpcWriter.response(RpcCall.C_Initialize).toBytes();
    }

    private static byte[] finalizeModule(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        in.end();
        app.module();
        app.close();
        return RpcWriter.response(RpcCall.C_Finalize).toBytes();
    }

    private static byte[] info(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        in.end();
        app.module();
        return RpcWriter.response(RpcCall.C_GetInfo).version(2, 40).spaceString(MANUFACTURER, 32).ulong(0)
                .spaceString("tpmssh TPM tokens over p11-kit", 32).version(0, 1).toBytes();
    }

    private static byte[] slotList(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        in.readByte(); // tokenPresent: every slot holds its token
        long room = in.readUlongBuffer();
        in.end();
        return ulongs(RpcCall.C_GetSlotList, app.slots(), room);
    }

    private static byte[] slotInfo(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long slot = in.readUlong();
        in.end();
        String token = app.token(slot);
        return RpcWriter.response(RpcCall.C_GetSlotInfo).spaceString("tpmssh token " + token, 64)
                .spaceString(MANUFACTURER, 32).ulong(Ck.CKF_TOKEN_PRESENT).version(2, 0).version(0, 0).toBytes();
    }

    private static byte[] tokenInfo(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long slot = in.readUlong();
        in.end();
        String token = app.token(slot);
        TokenInfo info = app.module().tokenInfo(slot);
        return RpcWriter.response(RpcCall.C_GetTokenInfo).spaceString(token, 32).spaceString(MANUFACTURER, 32)
                .spaceString("TPM 2.0", 16).spaceString(serialOf(token), 16).ulong(info.flags())
                .ulong(0).ulong(UNAVAILABLE).ulong(0).ulong(UNAVAILABLE) // sessions: no limit, count not kept
                .ulong(MAX_PIN_BYTES).ulong(info.has(Ck.CKF_LOGIN_REQUIRED) ? 1 : 0)
                .ulong(UNAVAILABLE).ulong(UNAVAILABLE).ulong(UNAVAILABLE).ulong(UNAVAILABLE)
                .version(2, 0).version(0, 0).spaceString("", 16).toBytes();
    }

    private static byte[] mechanismList(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long slot = in.readUlong();
        long room = in.readUlongBuffer();
        in.end();
        app.token(slot);
        return ulongs(RpcCall.C_GetMechanismList, MechanismInfo.signing().stream().map(MechanismInfo::type).toList(),
                room);
    }

    private static byte[] mechanismInfo(Application app, RpcReader in) throws Pkcs11Exception, RpcFormatException {
        long slot = in.readUlong();
        long type = in.readUlong();
        in.end();
        app.token(slot);
        MechanismInfo m = MechanismInfo.of(type).orElseThrow(() -> new Pkcs11Exception(Ckr.MECHANISM_INVALID,
                "mechanism 0x" + Long.toHexString(type) + " is not one a tpmssh token offers"));
        return RpcWriter.response(RpcCall.C_GetMechanismInfo).ulong(m.minKeyBits()).ulong(m.maxKeyBits())
                .ulong(m.flags()).toBytes();
    }

    /** A ulong list for a caller with room for {@code room}: the count alone when it asked for it or has too little room. */
    static byte[] ulongs(RpcCall call, List<Long> values, long room) {
        RpcWriter out = RpcWriter.response(call);
        if (room < values.size()) {
            return out.ulongArrayLength(values.size()).toBytes(); // a size query, or CKR_BUFFER_TOO_SMALL
        }
        return out.ulongArray(values.stream().mapToLong(Long::longValue).toArray()).toBytes();
    }

    /** A stable serial number per token: the first 16 hex digits of SHA-256 over its label. */
    static String serialOf(String token) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
