package org.tpmssh.tpm;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;

/** What a TPM says about itself: maker, firmware, spec revision, algorithms and curves. For reports and refusals. */
public record TpmInfo(String manufacturer, String vendorString, String firmwareVersion, String specRevision,
        Set<Integer> algorithms, Set<Integer> eccCurves, int transientSlotsMin) {

    public static TpmInfo read(Tpm tpm) throws TpmException {
        Map<Integer, Integer> p = GetCapability.properties(tpm, GetCapability.PT_FAMILY_INDICATOR, 32);
        String maker = ascii(p.getOrDefault(GetCapability.PT_MANUFACTURER, 0));
        StringBuilder vendor = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            vendor.append(ascii(p.getOrDefault(GetCapability.PT_VENDOR_STRING_1 + i, 0)));
        }
        int fw1 = p.getOrDefault(GetCapability.PT_FIRMWARE_VERSION_1, 0);
        int fw2 = p.getOrDefault(GetCapability.PT_FIRMWARE_VERSION_2, 0);
        String fw = (fw1 >>> 16) + "." + (fw1 & 0xFFFF) + "." + (fw2 >>> 16) + "." + (fw2 & 0xFFFF);
        int rev = p.getOrDefault(GetCapability.PT_REVISION, 0);
        String spec = ascii(p.getOrDefault(GetCapability.PT_FAMILY_INDICATOR, 0)) + " level "
                + p.getOrDefault(GetCapability.PT_LEVEL, 0) + " revision " + (rev / 100) + "." + String.format("%02d", rev % 100);
        return new TpmInfo(maker, vendor.toString().trim(), fw, spec, GetCapability.algorithms(tpm),
                GetCapability.eccCurves(tpm), p.getOrDefault(GetCapability.PT_HR_TRANSIENT_MIN, 3));
    }

    private static String ascii(int v) {
        byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        return new String(b, StandardCharsets.US_ASCII).replace("\0", "").trim();
    }
}
