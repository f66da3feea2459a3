package org.tpmssh.tpm.transport;

import java.io.Closeable;

/**
 * Carries one marshalled TPM 2.0 command to a TPM and returns its whole response.
 * It knows nothing about commands: framing, sockets and device files only.
 *
 * <p>Implementations are not required to be thread-safe; the command layer serialises
 * every command on a transport with one lock.
 */
public interface TpmTransport extends Closeable {

    /**
     * Sends one complete command (header included) and returns the complete response.
     *
     * @throws TransportException when the TPM cannot be reached, the connection drops, no answer comes within
     *     the transport's bound, or the response is truncated or malformed at the framing level
     */
    byte[] transmit(byte[] command) throws TransportException;

    /**
     * Counts the connections this transport has made, from 1. When it changes, the TPM may have forgotten every
     * handle and session the caller held (a restarted simulator, or a resource manager that flushed them with the
     * old connection), so a caller that holds any must check them again. A transport that never reconnects
     * stays at 1.
     */
    default long generation() {
        return 1;
    }

    /** Releases the connection. Idempotent. */
    @Override
    void close();
}
