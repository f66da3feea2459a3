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
     * @throws TransportException when the TPM cannot be reached, the connection drops,
     *     or the response is truncated or malformed at the framing level
     */
    byte[] transmit(byte[] command) throws TransportException;

    /** Releases the connection. Idempotent. */
    @Override
    void close();
}
