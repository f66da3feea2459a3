package org.tpmssh.tpm.transport;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Talks to the IBM or Microsoft TPM 2.0 simulator ({@code tpm_server}): commands go in a TPM_SEND_COMMAND
 * envelope on the command port, and power and NV signals go to the platform port (command port + 1).
 */
public final class MssimTransport implements TpmTransport {

    // Codes from the simulator's TpmTcpProtocol.h.
    static final int SIGNAL_POWER_ON = 1;
    static final int SIGNAL_POWER_OFF = 2;
    static final int SEND_COMMAND = 8;
    static final int SIGNAL_NV_ON = 11;
    static final int SESSION_END = 20;

    static final String HINT = "Is tpm_server running? Start it with `tpm_server -port 2321 -rm`.";

    private final Wire command;
    private final InetSocketAddress platform;
    private volatile TransportTimeouts timeouts;
    private boolean answered;
    private byte locality;

    private MssimTransport(Wire command, InetSocketAddress platform, TransportTimeouts timeouts) {
        this.command = command;
        this.platform = platform;
        this.timeouts = timeouts;
    }

    /**
     * Connects to the command port; with {@code powerOn} it also powers the simulator on and NV on first, as
     * tpm2-tss's mssim TCTI does, so a fresh simulator accepts TPM2_Startup.
     */
    public static MssimTransport connect(String host, int port, boolean powerOn, TransportTimeouts timeouts)
            throws TransportException {
        Wire wire = Wire.connect(new InetSocketAddress(host, port), "tpm_server", HINT, timeouts);
        MssimTransport transport = new MssimTransport(wire, new InetSocketAddress(host, port + 1), timeouts);
        if (powerOn) {
            try {
                transport.powerOn();
            } catch (TransportException e) {
                transport.close();
                throw e;
            }
        }
        return transport;
    }

    /** Signals power on and NV on over the platform port. Harmless when already on; TPM2_Startup comes next. */
    public void powerOn() throws TransportException {
        signal(SIGNAL_POWER_ON, SIGNAL_NV_ON);
    }

    /** Power off then on: the TPM then needs TPM2_Startup again, as after a reboot. */
    public void powerCycle() throws TransportException {
        signal(SIGNAL_POWER_OFF, SIGNAL_POWER_ON, SIGNAL_NV_ON);
    }

    /** The locality (0-4) sent with each following command. */
    public synchronized void locality(int locality) {
        if (locality < 0 || locality > 4) {
            throw new IllegalArgumentException("locality must be 0-4, got " + locality);
        }
        this.locality = (byte) locality;
    }

    /** Changes the response deadline for later commands. */
    public void timeout(Duration timeout) {
        this.timeouts = new TransportTimeouts(timeouts.connect(), timeouts.firstAnswer(), timeout);
        command.timeout(timeout);
    }

    @Override
    public synchronized byte[] transmit(byte[] cmd) throws TransportException {
        command.beginExchange();
        command.write(ByteBuffer.allocate(9 + cmd.length).putInt(SEND_COMMAND).put(locality).putInt(cmd.length)
                .put(cmd).flip());
        int length;
        try {
            length = command.readInt("without answering the command");
        } catch (TransportException e) {
            if (answered || e.reason() != TransportException.Reason.TIMEOUT) {
                throw e;
            }
            // Unlike swtpm, tpm_server gives no way to tell a busy simulator from a frozen one.
            throw new TransportException(TransportException.Reason.TIMEOUT, e.getMessage() + "; tpm_server serves one"
                    + " client at a time, so another process may hold it (is `tpmssh agent` running?)", e);
        }
        byte[] response = ResponseFrame.read(command);
        if (response.length != length) {
            throw new TransportException(TransportException.Reason.MALFORMED, "tpm_server framed a "
                    + response.length + "-byte response as " + length
                    + " bytes; the simulator and this client disagree on the protocol");
        }
        command.readInt("before acknowledging the response");
        answered = true;
        return response;
    }

    private void signal(int... codes) throws TransportException {
        // The platform port serves one client at a time, so hold it only for these signals.
        try (Wire wire = Wire.connect(platform, "tpm_server's platform port", HINT, timeouts)) {
            for (int code : codes) {
                wire.beginExchange();
                wire.write(ByteBuffer.allocate(4).putInt(code).flip());
                int result = wire.readInt("without answering platform signal " + code);
                if (result != 0) {
                    throw new TransportException("tpm_server refused platform signal " + code + " with " + result);
                }
            }
            wire.write(ByteBuffer.allocate(4).putInt(SESSION_END).flip());
        }
    }

    @Override
    public synchronized void close() {
        try {
            // Lets tpm_server go back to accept() at once instead of discovering the hang-up later.
            command.write(ByteBuffer.allocate(4).putInt(SESSION_END).flip());
        } catch (TransportException ignored) {
            // The simulator is gone already; nothing left to end.
        }
        command.close();
    }
}
