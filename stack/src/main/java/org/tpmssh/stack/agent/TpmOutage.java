package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * Whether the device behind the supplied keys (the TPM) answers, as the last signatures found. While it does not,
 * one request at a time tries it and the others fail at once instead of queueing behind a frozen TPM, and the log
 * says once that it went and once that it came back, rather than a line per request.
 */
final class TpmOutage {

    /** What a request may do. */
    enum Turn {
        /** No outage: ask the device. */
        ASK,
        /** During an outage, the one request that tries the device. */
        PROBE,
        /** During an outage, while another request tries: fail at once. */
        SKIP
    }

    /** How a request that asked the device ended. */
    enum Outcome {
        SIGNED, UNREACHABLE, OTHER
    }

    private String reason;
    private long since;
    private int failed;
    private boolean probing;

    synchronized Turn begin() {
        if (reason == null) {
            return Turn.ASK;
        }
        if (probing) {
            failed++;
            return Turn.SKIP;
        }
        probing = true;
        return Turn.PROBE;
    }

    /** After a request that began with ASK or PROBE. */
    synchronized void end(Turn turn, Outcome outcome, String message) {
        if (turn == Turn.PROBE) {
            probing = false;
        }
        if (outcome == Outcome.UNREACHABLE) {
            if (reason == null) {
                reason = message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
                since = System.nanoTime();
                failed = 1;
                LOG.log(Level.WARNING, "agent: {0}. Signatures with its keys fail until it is back; meanwhile one"
                        + " request at a time tries it (said once per outage)", reason);
            } else {
                failed++;
                LOG.log(Level.DEBUG, "agent: the TPM is still out of reach: {0}", message);
            }
        } else if (outcome == Outcome.SIGNED && reason != null) {
            LOG.log(Level.INFO, "agent: the TPM answers again after {0} ms; {1} signature request(s) failed"
                    + " meanwhile", Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since)),
                    Integer.toString(failed));
            reason = null;
        }
    }
}
