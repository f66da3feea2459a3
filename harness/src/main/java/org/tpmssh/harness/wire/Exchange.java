package org.tpmssh.harness.wire;

import java.time.Duration;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * One command as it crossed the proxy, with its response: the bytes the client sent, the bytes the TPM
 * answered and the bytes the client got (they differ only when a fault changed them), when, how long the TPM
 * took, which chip delay was added, and which object the command's first handle named.
 *
 * @param seq the order in which commands reached the proxy, across all connections
 * @param connection the client connection, numbered from 1 in order of arrival
 * @param command the command frame as the client sent it
 * @param response the TPM's response, or null when the command was not forwarded or the TPM did not answer
 * @param delivered what the client received, or null when the connection was dropped instead
 * @param timing when it arrived and how long it took
 * @param chipDelay the latency profile's delay for this command, or null without a profile
 * @param fault the fault injected into this exchange, or null
 * @param subject the object behind the command's first handle, when the proxy knows it
 */
public record Exchange(long seq, int connection, byte[] command, byte[] response, byte[] delivered, Timing timing,
        CommandDelay chipDelay, Fault fault, WireObject subject) {

    /**
     * @param receivedNanos System.nanoTime() when the whole command had arrived
     * @param tpmNanos how long the TPM took to answer (0 when not forwarded)
     * @param heldNanos how long the response was held back (chip delay and injected delay)
     */
    public record Timing(long receivedNanos, long tpmNanos, long heldNanos) {
    }

    public int commandCode() {
        return Frames.codeAt6(command);
    }

    public String commandName() {
        return CommandCode.name(commandCode());
    }

    /** The response code the client got; -1 when it got no response. */
    public int responseCode() {
        return Frames.codeAt6(delivered);
    }

    public boolean forwarded() {
        return response != null;
    }

    public Duration tpmTime() {
        return Duration.ofNanos(timing.tpmNanos());
    }

    @Override
    public byte[] command() {
        return command.clone();
    }

    @Override
    public byte[] response() {
        return response == null ? null : response.clone();
    }

    @Override
    public byte[] delivered() {
        return delivered == null ? null : delivered.clone();
    }

    /**
     * The frames as they crossed (command, TPM response, what the client got), for a scan that must not copy
     * every frame; the last is null when no fault changed the response (then it is the very same array).
     */
    byte[][] frames() {
        return new byte[][] {command, response, delivered != response ? delivered : null};
    }

    @Override
    public String toString() {
        int rc = responseCode();
        return "#" + seq + " conn " + connection + " " + commandName() + " -> "
                + (rc < 0 ? "no response" : ResponseCodes.name(rc)) + (fault == null ? "" : " [" + fault + "]");
    }
}
