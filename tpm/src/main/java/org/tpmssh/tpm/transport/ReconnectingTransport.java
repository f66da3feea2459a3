package org.tpmssh.tpm.transport;

/**
 * A connection that outlives its TPM going away: a failed exchange closes it, and the next request opens a new
 * one, so a restarted simulator or resource manager is served again without restarting us. The request that
 * meets the failure fails; it is never resent on its own. {@link #generation()} moves on as soon as a
 * connection is given up, so callers can tell, before sending anything, that their handles may be gone.
 */
public final class ReconnectingTransport implements TpmTransport {

    /** Opens one direct connection. */
    @FunctionalInterface
    public interface Connector {
        TpmTransport connect() throws TransportException;
    }

    private final Connector connector;
    private TpmTransport current;
    private long generation;
    private boolean closed;

    private ReconnectingTransport(Connector connector, TpmTransport first) {
        this.connector = connector;
        this.current = first;
        this.generation = 1;
    }

    /** Connects now, so a TPM that is not there is reported at once; later connections are made on demand. */
    public static ReconnectingTransport open(Connector connector) throws TransportException {
        return new ReconnectingTransport(connector, connector.connect());
    }

    @Override
    public synchronized byte[] transmit(byte[] command) throws TransportException {
        if (closed) {
            throw new TransportException(TransportException.Reason.LOST, "this TPM connection is closed");
        }
        if (current == null) {
            current = connector.connect();
        }
        try {
            return current.transmit(command);
        } catch (TransportException e) {
            // Whatever failed, the stream may be out of step (a late answer, half a frame): start afresh next time.
            disconnect();
            throw e;
        }
    }

    @Override
    public synchronized long generation() {
        return generation;
    }

    /** Whether a connection is open now (false after a failure, until the next request). */
    public synchronized boolean isConnected() {
        return current != null;
    }

    /**
     * Releases the connection now; the next request opens a new one. For a simulator that serves one client at
     * a time, this lets another client in between our requests.
     */
    public synchronized void disconnect() {
        if (current != null) {
            current.close();
            current = null;
            generation++;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        disconnect();
    }
}
