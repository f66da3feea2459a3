package org.tpmssh.harness.wire;

import java.time.Duration;
import java.util.Arrays;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.marshal.TpmFormatException;

/** A way for the proxy to make the TPM misbehave for one command; see {@link TpmWireProxy#inject}. */
public sealed interface Fault {

    /** Answer with this response code instead of forwarding: the TPM never sees the command. */
    record Respond(int responseCode) implements Fault {
        @Override
        public String toString() {
            return "respond " + ResponseCodes.name(responseCode);
        }
    }

    /** Close the client's connection mid-command: before the TPM sees it, or after it ran (its answer is lost). */
    record Drop(boolean afterTpm) implements Fault {
        @Override
        public String toString() {
            return afterTpm ? "drop the connection after the TPM ran the command"
                    : "drop the connection before the TPM saw the command";
        }
    }

    /** Deliver only the first {@code keep} bytes of the response, then close: a response cut off in transit. */
    record Truncate(int keep) implements Fault {
        @Override
        public String toString() {
            return "truncate the response to " + keep + " bytes and close";
        }
    }

    /** Drop {@code cut} bytes from the end and fix the size field: a well-framed response whose body is short. */
    record Shorten(int cut) implements Fault {
        @Override
        public String toString() {
            return "shorten the response body by " + cut + " bytes";
        }
    }

    /** Flip one bit in an area of a successful response. */
    record Corrupt(Area area) implements Fault {
        @Override
        public String toString() {
            return "corrupt the response's " + area.name().toLowerCase().replace('_', ' ');
        }
    }

    /** Hold the response back this long before the client gets it. */
    record Delay(Duration delay) implements Fault {
        @Override
        public String toString() {
            return "delay the response by " + delay.toMillis() + " ms";
        }
    }

    /** Where {@link Corrupt} flips a bit: always the area's last byte. */
    enum Area {
        /** The last byte of the parameter area (for TPM2_Sign, inside the signature). */
        PARAMETERS,
        /** The last byte of the first session's nonceTPM. */
        SESSION_NONCE,
        /** The last byte of the first session's response HMAC. */
        RESPONSE_HMAC
    }

    static Fault respond(int responseCode) {
        return new Respond(responseCode);
    }

    static Fault dropBeforeTpm() {
        return new Drop(false);
    }

    static Fault dropAfterTpm() {
        return new Drop(true);
    }

    static Fault truncate(int keep) {
        return new Truncate(keep);
    }

    static Fault shorten(int cut) {
        return new Shorten(cut);
    }

    static Fault corrupt(Area area) {
        return new Corrupt(area);
    }

    static Fault delay(Duration delay) {
        return new Delay(delay);
    }

    /**
     * The response the client gets instead of {@code response} (a command {@code cc}'s), or null when this fault
     * does not apply to it: no such area, or nothing left to cut. Only Shorten and Corrupt change bytes here.
     */
    default byte[] rewrite(int cc, byte[] response) {
        if (this instanceof Shorten s) {
            if (response.length - s.cut() < Frames.HEADER) {
                return null;
            }
            byte[] out = Arrays.copyOf(response, response.length - s.cut());
            Frames.putU32(out, 2, out.length);
            return out;
        }
        if (this instanceof Corrupt c) {
            int at = corruptionOffset(c.area(), cc, response);
            if (at < 0) {
                return null;
            }
            byte[] out = response.clone();
            out[at] ^= 0x01;
            return out;
        }
        return response;
    }

    private static int corruptionOffset(Area area, int cc, byte[] response) {
        try {
            Frames.Response r = Frames.response(cc, response);
            switch (area) {
                case PARAMETERS:
                    return r.paramSize() > 0 ? r.paramOffset() + r.paramSize() - 1 : -1;
                case SESSION_NONCE:
                    return r.sessions().isEmpty() || r.sessions().get(0).nonceSize() == 0 ? -1
                            : r.sessions().get(0).nonceOffset() + r.sessions().get(0).nonceSize() - 1;
                default:
                    return r.sessions().isEmpty() || r.sessions().get(0).hmacSize() == 0 ? -1
                            : r.sessions().get(0).hmacOffset() + r.sessions().get(0).hmacSize() - 1;
            }
        } catch (TpmFormatException e) {
            return -1; // an error response: no parameters or sessions to corrupt
        }
    }
}
