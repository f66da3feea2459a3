package org.tpmssh.tpm.transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Talks to swtpm's raw data channel (TCP or a unix socket), where a command goes out as is and the response
 * comes back as is; {@link Control} drives swtpm's separate control channel.
 */
public final class SwtpmTransport implements TpmTransport {

    /** Long enough for RSA key generation on a slow real TPM; settable per transport. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);

    static final String HINT = "Is swtpm running? Start it with `swtpm socket --tpm2 --server type=tcp,port=2321"
            + " --ctrl type=tcp,port=2322 --tpmstate dir=DIR --flags not-need-init,startup-clear`.";

    private final Wire data;
    private final SocketAddress ctrlAddress;
    private Duration timeout;
    private Control control;

    private SwtpmTransport(Wire data, SocketAddress ctrlAddress, Duration timeout) {
        this.data = data;
        this.ctrlAddress = ctrlAddress;
        this.timeout = timeout;
    }

    /** Connects over TCP; the control channel is expected on {@code port + 1}, as tpm2-tss assumes. */
    public static SwtpmTransport connect(String host, int port, Duration timeout) throws TransportException {
        return open(new InetSocketAddress(host, port), new InetSocketAddress(host, port + 1), timeout);
    }

    /** Connects over a unix socket; the control socket is expected at {@code path + ".ctrl"}. */
    public static SwtpmTransport connectUnix(Path path, Duration timeout) throws TransportException {
        return open(UnixDomainSocketAddress.of(path), UnixDomainSocketAddress.of(path + ".ctrl"), timeout);
    }

    /** Connects with explicit data and control addresses, for a swtpm started with unusual ports or paths. */
    public static SwtpmTransport open(SocketAddress data, SocketAddress ctrl, Duration timeout)
            throws TransportException {
        return new SwtpmTransport(Wire.connect(data, "swtpm", HINT, timeout), ctrl, timeout);
    }

    /** Changes the read and write deadline for later commands. */
    public synchronized void timeout(Duration timeout) {
        this.timeout = timeout;
        data.timeout(timeout);
    }

    @Override
    public synchronized byte[] transmit(byte[] command) throws TransportException {
        data.write(ByteBuffer.wrap(command));
        return ResponseFrame.read(data);
    }

    /** The control channel, connected on first use and closed with this transport. */
    public synchronized Control control() throws TransportException {
        if (control == null) {
            control = Control.connect(ctrlAddress, timeout);
        }
        return control;
    }

    @Override
    public synchronized void close() {
        if (control != null) {
            control.close();
        }
        data.close();
    }

    /**
     * swtpm's control channel: power-cycle the TPM, set the locality, or end the process. Each message is a
     * big-endian u32 command code and its fixed payload; each answer starts with a u32 result, 0 for success.
     */
    public static final class Control implements AutoCloseable {

        // Codes from swtpm's tpm_ioctl.h (the CMD_* enum used by the socket interface).
        static final int CMD_INIT = 2;
        static final int CMD_SHUTDOWN = 3;
        static final int CMD_SET_LOCALITY = 5;
        static final int CMD_STOP = 14;

        private final Wire wire;

        private Control(Wire wire) {
            this.wire = wire;
        }

        public static Control connect(SocketAddress address, Duration timeout) throws TransportException {
            return new Control(Wire.connect(address, "swtpm's control channel", HINT, timeout));
        }

        /** Starts the TPM after {@link #stop()} (the TPM then needs TPM2_Startup, which is the command layer's). */
        public void init() throws TransportException {
            send("CMD_INIT", CMD_INIT, ByteBuffer.allocate(4).putInt(0).flip());
        }

        /** Stops the TPM without ending swtpm, so {@link #init()} can bring it back: together, a power cycle. */
        public void stop() throws TransportException {
            send("CMD_STOP", CMD_STOP, ByteBuffer.allocate(0));
        }

        /** Stop then init: the TPM comes back needing TPM2_Startup, as after a reboot. */
        public void powerCycle() throws TransportException {
            stop();
            init();
        }

        /** Sets the locality (0-4) for the following commands on the data channel. */
        public void setLocality(int locality) throws TransportException {
            if (locality < 0 || locality > 4) {
                throw new IllegalArgumentException("locality must be 0-4, got " + locality);
            }
            send("CMD_SET_LOCALITY", CMD_SET_LOCALITY, ByteBuffer.allocate(1).put((byte) locality).flip());
        }

        /** Ends the swtpm process after it saves its state. */
        public void shutdown() throws TransportException {
            send("CMD_SHUTDOWN", CMD_SHUTDOWN, ByteBuffer.allocate(0));
        }

        private synchronized void send(String name, int code, ByteBuffer payload) throws TransportException {
            ByteBuffer message = ByteBuffer.allocate(4 + payload.remaining()).putInt(code).put(payload).flip();
            wire.write(message);
            int result = wire.readInt("without answering " + name);
            if (result != 0) {
                throw new TransportException("swtpm refused " + name + " with result 0x"
                        + Integer.toHexString(result) + "; its log (--log file=...) says why");
            }
        }

        @Override
        public void close() {
            wire.close();
        }
    }
}
