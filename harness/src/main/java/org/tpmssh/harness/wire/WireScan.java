package org.tpmssh.harness.wire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Searches captured TPM traffic for secrets in clear: each secret as raw bytes, as lower- and upper-case hex,
 * and as base64 (standard and URL-safe, at any alignment inside a longer base64 text). A finding names the
 * secret and where it was, never its value.
 */
public final class WireScan {
    /** Shorter secrets would match random bytes by chance; the PINs and keys we plant are longer. */
    static final int MIN_SECRET_BYTES = 4;

    private WireScan() {
    }

    /** A secret to look for. Its value never appears in toString, findings or messages. */
    public record Secret(String name, byte[] value) {
        public Secret {
            if (value.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("secret '" + name + "' has " + value.length + " bytes; the scan"
                        + " needs at least " + MIN_SECRET_BYTES + " to tell it from chance");
            }
            value = value.clone();
        }

        public static Secret utf8(String name, String value) {
            return new Secret(name, value.getBytes(StandardCharsets.UTF_8));
        }

        public static Secret utf8(String name, char[] value) {
            return new Secret(name, new String(value).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public String toString() {
            return "Secret[" + name + ", " + value.length + " bytes]";
        }
    }

    /** How a secret was written when it was found. */
    public enum Encoding { RAW, HEX_LOWER, HEX_UPPER, BASE64, BASE64_URL }

    /** Which side of an exchange carried it. */
    public enum Direction { COMMAND, RESPONSE, DELIVERED }

    /** One place a secret was seen. */
    public record Finding(String secret, Encoding encoding, long exchange, String command, Direction direction,
            int offset) {
        @Override
        public String toString() {
            return secret + " as " + encoding.name().toLowerCase() + " in the " + direction.name().toLowerCase()
                    + " of " + command + " #" + exchange + " at byte " + offset;
        }
    }

    /** Every place any secret appears in any encoding in these exchanges; empty when the wire is clean. */
    public static List<Finding> scan(List<Exchange> exchanges, List<Secret> secrets) {
        List<Finding> findings = new ArrayList<>();
        for (Secret s : secrets) {
            List<Needle> needles = needles(s.value);
            for (Exchange e : exchanges) {
                byte[][] frames = e.frames();
                for (int d = 0; d < frames.length; d++) {
                    if (frames[d] == null) {
                        continue;
                    }
                    for (Needle n : needles) {
                        int at = indexOf(frames[d], n.bytes);
                        if (at >= 0) {
                            findings.add(new Finding(s.name, n.encoding, e.seq(), e.commandName(),
                                    Direction.values()[d], at));
                            break; // one finding per secret, frame and direction is enough to act on
                        }
                    }
                }
            }
        }
        return findings;
    }

    /** How many bytes a scan of these exchanges reads, so a test can show it scanned something. */
    public static long bytesScanned(List<Exchange> exchanges) {
        long n = 0;
        for (Exchange e : exchanges) {
            for (byte[] f : e.frames()) {
                n += f == null ? 0 : f.length;
            }
        }
        return n;
    }

    private record Needle(Encoding encoding, byte[] bytes) {
    }

    static List<Needle> needles(byte[] secret) {
        List<Needle> out = new ArrayList<>();
        out.add(new Needle(Encoding.RAW, secret));
        out.add(new Needle(Encoding.HEX_LOWER, ascii(HexFormat.of().formatHex(secret))));
        out.add(new Needle(Encoding.HEX_UPPER, ascii(HexFormat.of().withUpperCase().formatHex(secret))));
        for (int shift = 0; shift < 3; shift++) {
            out.add(new Needle(Encoding.BASE64, base64Core(secret, shift, Base64.getEncoder())));
            out.add(new Needle(Encoding.BASE64_URL, base64Core(secret, shift, Base64.getUrlEncoder())));
        }
        return out;
    }

    /**
     * The base64 characters that depend on the secret alone when it starts {@code shift} bytes into a 3-byte
     * group: character i covers bits [6i, 6i + 6), the secret bits [8 shift, 8 (shift + n)).
     */
    static byte[] base64Core(byte[] secret, int shift, Base64.Encoder encoder) {
        byte[] padded = new byte[shift + secret.length];
        System.arraycopy(secret, 0, padded, shift, secret.length);
        String text = encoder.withoutPadding().encodeToString(padded);
        int first = (8 * shift + 5) / 6;
        int end = 8 * (shift + secret.length) / 6;
        return ascii(text.substring(first, end));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
