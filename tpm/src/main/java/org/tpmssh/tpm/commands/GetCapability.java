package org.tpmssh.tpm.commands;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.marshal.TpmReader;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.structures.CommandCode;

/** TPM2_GetCapability, with typed readers for the capabilities we ask about; follows moreData. */
public final class GetCapability {
    public static final int CAP_ALGS = 0x0;
    public static final int CAP_HANDLES = 0x1;
    public static final int CAP_TPM_PROPERTIES = 0x6;
    public static final int CAP_ECC_CURVES = 0x8;

    public static final int PT_FAMILY_INDICATOR = 0x100;
    public static final int PT_LEVEL = 0x101;
    public static final int PT_REVISION = 0x102;
    public static final int PT_MANUFACTURER = 0x105;
    public static final int PT_VENDOR_STRING_1 = 0x106;
    public static final int PT_FIRMWARE_VERSION_1 = 0x10B;
    public static final int PT_FIRMWARE_VERSION_2 = 0x10C;
    public static final int PT_HR_TRANSIENT_MIN = 0x10E;
    public static final int PT_HR_LOADED_MIN = 0x110;
    public static final int PT_HR_TRANSIENT_AVAIL = 0x207;
    public static final int PT_LOCKOUT_COUNTER = 0x20E;
    public static final int PT_MAX_AUTH_FAIL = 0x20F;
    public static final int PT_LOCKOUT_INTERVAL = 0x210;
    public static final int PT_LOCKOUT_RECOVERY = 0x211;

    private static final int MAX_ROUNDS = 64;

    private GetCapability() {
    }

    private static boolean query(Tpm tpm, int cap, int property, int count, ItemReader each) throws TpmException {
        byte[] p = new TpmWriter(12).u32(cap).u32(property).u32(count).toByteArray();
        TpmReader r = tpm.executeSimple(CommandCode.GET_CAPABILITY, p, 0).params();
        boolean more = r.u8() != 0;
        int got = r.u32();
        if (got != cap) {
            throw new TpmFormatException("the TPM answered capability " + got + " to a question about " + cap);
        }
        int n = r.u32();
        if (n < 0 || n > 4096) {
            throw new TpmFormatException("the TPM's capability list claims " + n + " entries");
        }
        for (int i = 0; i < n; i++) {
            each.read(r);
        }
        return more;
    }

    private interface ItemReader {
        void read(TpmReader r) throws TpmFormatException;
    }

    /** TPM properties from {@code first}, as property -> value. */
    public static Map<Integer, Integer> properties(Tpm tpm, int first, int count) throws TpmException {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        int[] next = {first};
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int before = out.size();
            boolean more = query(tpm, CAP_TPM_PROPERTIES, next[0], count - out.size(), r -> {
                int prop = r.u32();
                out.put(prop, r.u32());
                next[0] = prop + 1;
            });
            if (!more || out.size() >= count || out.size() == before) {
                break;
            }
        }
        return out;
    }

    public static int property(Tpm tpm, int property) throws TpmException {
        Integer v = properties(tpm, property, 1).get(property);
        if (v == null) {
            throw new TpmException("the TPM does not report property 0x" + Integer.toHexString(property));
        }
        return v;
    }

    /** Implemented algorithm IDs. */
    public static Set<Integer> algorithms(Tpm tpm) throws TpmException {
        Set<Integer> out = new TreeSet<>();
        int[] next = {0};
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int before = out.size();
            boolean more = query(tpm, CAP_ALGS, next[0], 128, r -> {
                int alg = r.u16();
                r.u32();
                out.add(alg);
                next[0] = alg + 1;
            });
            if (!more || out.size() == before) {
                break;
            }
        }
        return out;
    }

    /** Supported ECC curves (TPM_ECC_CURVE values). */
    public static Set<Integer> eccCurves(Tpm tpm) throws TpmException {
        Set<Integer> out = new TreeSet<>();
        query(tpm, CAP_ECC_CURVES, 0, 64, r -> out.add(r.u16()));
        return out;
    }

    /** Handles in use from {@code first} within its range, e.g. 0x80000000 for loaded transient objects. */
    public static List<Integer> handles(Tpm tpm, int first) throws TpmException {
        List<Integer> out = new ArrayList<>();
        int[] next = {first};
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int before = out.size();
            boolean more = query(tpm, CAP_HANDLES, next[0], 64, r -> {
                int h = r.u32();
                out.add(h);
                next[0] = h + 1;
            });
            if (!more || out.size() == before) {
                break;
            }
        }
        out.removeIf(h -> (h >>> 24) != (first >>> 24));
        return out;
    }
}
