package org.tpmssh.harness.wire;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * Reads the layout of TPM 2.0 command and response frames that any client sent (Part 1, 18; Part 3 for
 * the handle counts), without knowing the client: where the handles, the parameters and each session's
 * nonce and HMAC are. A frame that does not parse is reported, never trusted.
 */
final class Frames {
    static final int HEADER = 10;
    /** No TPM 2.0 command or response comes near this; anything larger is not TPM traffic. */
    static final int MAX_FRAME = 64 * 1024;
    static final int ST_NO_SESSIONS = 0x8001;
    static final int ST_SESSIONS = 0x8002;

    /** Handles in the command's handle area, for the commands whose parameters the proxy reads. */
    private static final Map<Integer, Integer> COMMAND_HANDLES = Map.ofEntries(
            Map.entry(CommandCode.STARTUP, 0), Map.entry(CommandCode.GET_CAPABILITY, 0),
            Map.entry(CommandCode.GET_RANDOM, 0), Map.entry(CommandCode.TEST_PARMS, 0),
            Map.entry(CommandCode.CONTEXT_LOAD, 0), Map.entry(CommandCode.FLUSH_CONTEXT, 0),
            Map.entry(CommandCode.LOAD_EXTERNAL, 0),
            Map.entry(CommandCode.CREATE_PRIMARY, 1), Map.entry(CommandCode.CREATE, 1),
            Map.entry(CommandCode.CREATE_LOADED, 1), Map.entry(CommandCode.LOAD, 1),
            Map.entry(CommandCode.IMPORT, 1), Map.entry(CommandCode.CONTEXT_SAVE, 1),
            Map.entry(CommandCode.READ_PUBLIC, 1), Map.entry(CommandCode.SIGN, 1),
            Map.entry(CommandCode.UNSEAL, 1), Map.entry(CommandCode.VERIFY_SIGNATURE, 1),
            Map.entry(CommandCode.RSA_DECRYPT, 1), Map.entry(CommandCode.RSA_ENCRYPT, 1),
            Map.entry(CommandCode.ECDH_ZGEN, 1), Map.entry(CommandCode.DICTIONARY_ATTACK_LOCK_RESET, 1),
            Map.entry(CommandCode.DICTIONARY_ATTACK_PARAMETERS, 1),
            Map.entry(CommandCode.START_AUTH_SESSION, 2), Map.entry(CommandCode.EVICT_CONTROL, 2));

    private Frames() {
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    static int u32(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    static void putU32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** The command code of a command frame, or the response code of a response frame (both at offset 6). */
    static int codeAt6(byte[] frame) {
        return frame == null || frame.length < HEADER ? -1 : u32(frame, 6);
    }

    /** A response carrying only {@code rc}, as a TPM sends for any error. */
    static byte[] errorResponse(int rc) {
        byte[] r = new byte[HEADER];
        r[0] = (byte) (ST_NO_SESSIONS >>> 8);
        r[1] = (byte) ST_NO_SESSIONS;
        putU32(r, 2, HEADER);
        putU32(r, 6, rc);
        return r;
    }

    /** Handles a successful response to {@code cc} carries before its parameters (Part 3: only these do). */
    static int responseHandles(int cc) {
        switch (cc) {
            case CommandCode.CREATE_PRIMARY:
            case CommandCode.LOAD:
            case CommandCode.LOAD_EXTERNAL:
            case CommandCode.CONTEXT_LOAD:
            case CommandCode.START_AUTH_SESSION:
            case CommandCode.CREATE_LOADED:
            case CommandCode.HMAC_START:
            case CommandCode.HASH_SEQUENCE_START:
                return 1;
            default:
                return 0;
        }
    }

    /** A command's handles and where its parameters start. */
    record Command(int tag, int commandCode, int[] handles, int paramOffset) {
        int handle(int i) {
            return handles[i];
        }

        /** A reader over the parameter area. */
        TpmReader params(byte[] frame) {
            return new TpmReader(frame, paramOffset, frame.length - paramOffset);
        }
    }

    /** Splits a command whose handle count the proxy knows ({@link #knowsHandles}); others are refused. */
    static Command command(byte[] frame) throws TpmFormatException {
        TpmReader r = new TpmReader(frame);
        int tag = r.u16();
        r.u32();
        int cc = r.u32();
        Integer n = COMMAND_HANDLES.get(cc);
        if (n == null) {
            throw new TpmFormatException("the proxy does not know the handle count of " + CommandCode.name(cc));
        }
        int[] handles = new int[n];
        for (int i = 0; i < n; i++) {
            handles[i] = r.u32();
        }
        if (tag == ST_SESSIONS) {
            r.sub(r.u32());
        }
        return new Command(tag, cc, handles, r.position());
    }

    /** Whether the command has a first handle (its count known) and it is {@code handle}. */
    static boolean firstHandleIs(byte[] command, int handle) {
        Integer n = COMMAND_HANDLES.get(codeAt6(command));
        return n != null && n > 0 && command.length >= HEADER + 4 && u32(command, HEADER) == handle;
    }

    /** Whether {@link #command} can split this command code. */
    static boolean knowsHandles(int cc) {
        return COMMAND_HANDLES.containsKey(cc);
    }

    /** One session's answer in a response: its nonceTPM and HMAC, as offsets into the frame. */
    record SessionArea(int nonceOffset, int nonceSize, int hmacOffset, int hmacSize) {
    }

    /** A successful response: its handles, parameter area and session areas. */
    record Response(int tag, int[] handles, int paramOffset, int paramSize, List<SessionArea> sessions) {
        TpmReader params(byte[] frame) {
            return new TpmReader(frame, paramOffset, paramSize);
        }
    }

    /** Splits a successful response to {@code cc}; an error response has no parameters to split. */
    static Response response(int cc, byte[] frame) throws TpmFormatException {
        TpmReader r = new TpmReader(frame);
        int tag = r.u16();
        r.u32();
        int rc = r.u32();
        if (rc != 0) {
            throw new TpmFormatException("an error response (0x" + Integer.toHexString(rc) + ") has no parameters");
        }
        int[] handles = new int[responseHandles(cc)];
        for (int i = 0; i < handles.length; i++) {
            handles[i] = r.u32();
        }
        if (tag != ST_SESSIONS) {
            return new Response(tag, handles, r.position(), r.remaining(), List.of());
        }
        int paramSize = r.u32();
        int paramOffset = r.position();
        r.sub(paramSize);
        List<SessionArea> sessions = new ArrayList<>();
        while (r.remaining() > 0) {
            int nonceSize = r.u16();
            int nonceOffset = r.position();
            r.bytes(nonceSize);
            r.u8();
            int hmacSize = r.u16();
            int hmacOffset = r.position();
            r.bytes(hmacSize);
            sessions.add(new SessionArea(nonceOffset, nonceSize, hmacOffset, hmacSize));
        }
        return new Response(tag, handles, paramOffset, paramSize, List.copyOf(sessions));
    }
}
