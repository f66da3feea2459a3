package org.tpmssh.tpm.transport;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.tpmssh.tpm.transport.TransportException.Reason;

/**
 * Talks to swtpm's raw data channel (TCP or a unix socket), where a command goes out as is and the response
 * comes back as is; {@link Control} drives swtpm's separate control channel.
 */
public final class SwtpmTransport implements TpmTransport {

    static final String HINT = "Is swtpm running? Start it with `swtpm socket --tpm2 --server type=tcp,port=2321"
            + " --ctrl type=tcp,port=2322 --tpmstate dir=DIR --flags not-need-init,startup-clear`.";

    /** How long after the control channel answers we still wait for our own response (it was sent first). */
    private static final Duration GRACE = Duration.ofMillis(250);

    private final Wire data;
    private final SocketAddress dataAddress;
    private final SocketAddress ctrlAddress;
    private final TransportTimeouts timeouts;
    private boolean answered;
    private Control control;

    private SwtpmTransport(Wire data, SocketAddress dataAddress, SocketAddress ctrlAddress,
            TransportTimeouts timeouts) {
        this.data = data;
        this.dataAddress = dataAddress;
        this.ctrlAddress = ctrlAddress;
        this.timeouts = timeouts;
    }

    /** Connects over TCP; the control channel is expected on {@code port + 1}, as tpm2-tss assumes. */
    public static SwtpmTransport connect(String host, int port, TransportTimeouts timeouts) throws TransportException {
        return open(new InetSocketAddress(host, port), new InetSocketAddress(host, port + 1), timeouts);
    }

    /** As {@link #connect(String, int, TransportTimeouts)}, with the defaults but for the answer bound. */
    public static SwtpmTransport connect(String host, int port, Duration answer) throws TransportException {
        return connect(host, port, TransportTimeouts.of(answer));
    }

    /** Connects over a unix socket; the control socket is expected at {@code path + ".ctrl"}. */
    public static SwtpmTransport connectUnix(Path path, TransportTimeouts timeouts) throws TransportException {
        return open(UnixDomainSocketAddress.of(path), UnixDomainSocketAddress.of(path + ".ctrl"), timeouts);
    }

    /** Connects with explicit data and control addresses, for a swtpm started with unusual ports or paths. */
    public static SwtpmTransport open(SocketAddress data, SocketAddress ctrl, TransportTimeouts timeouts)
            throws TransportException {
        return new SwtpmTransport(connectData(data, ctrl, timeouts), data, ctrl, timeouts);
    }

    /**
     * swtpm listens with a backlog of one, so while another client holds it, a connection or two wait in the
     * kernel's queue and later ones are not taken at all: over TCP the SYN is dropped and connect() waits, on a
     * unix socket it fails with EAGAIN. A connect that is not through within the first-answer bound, or that the
     * kernel turns away, therefore asks the control channel, as a silent first command does.
     */
    private static Wire connectData(SocketAddress data, SocketAddress ctrl, TransportTimeouts timeouts)
            throws TransportException {
        long start = System.nanoTime();
        Duration first = min(timeouts.connect(), timeouts.firstAnswer());
        try {
            return Wire.connect(data, "swtpm", HINT, new TransportTimeouts(first, timeouts.firstAnswer(),
                    timeouts.answer()));
        } catch (TransportException e) {
            if (e.reason() != Reason.TIMEOUT && e.reason() != Reason.OTHER) {
                throw e;
            }
            if (controlAnswers(ctrl, timeouts, timeouts.firstAnswer())) {
                throw busy(data);
            }
            Duration left = timeouts.connect().minusNanos(System.nanoTime() - start);
            if (e.reason() != Reason.TIMEOUT || left.isNegative() || left.isZero()) {
                throw e;
            }
            return Wire.connect(data, "swtpm", HINT, new TransportTimeouts(left, timeouts.firstAnswer(),
                    timeouts.answer()));
        }
    }

    /** Changes the response deadline for later commands. */
    public synchronized void timeout(Duration timeout) {
        data.timeout(timeout);
    }

    @Override
    public synchronized byte[] transmit(byte[] command) throws TransportException {
        data.beginExchange();
        data.write(ByteBuffer.wrap(command));
        if (!answered) {
            checkServedUs();
        }
        byte[] response = ResponseFrame.read(data);
        answered = true;
        return response;
    }

    /**
     * swtpm accepts a second connection at the kernel level but serves only one at a time, and says nothing.
     * It is single-threaded, so when our first command has no answer yet and its control channel does answer,
     * swtpm is idle in its main loop and not serving us: another client holds it.
     */
    private void checkServedUs() throws TransportException {
        if (data.awaitReadable(timeouts.firstAnswer())
                || !(control != null ? ping(control) : controlAnswers(ctrlAddress, timeouts, data.remaining()))
                || data.awaitReadable(GRACE)) {
            return; // an answer is on its way, or we cannot tell: wait for it until the deadline
        }
        throw busy(dataAddress);
    }

    private static TransportException busy(SocketAddress dataAddress) {
        return new TransportException(Reason.BUSY, "swtpm at " + Wire.describe(dataAddress)
                + " is serving another client: swtpm serves one connection at a time and another process holds it"
                + " (is `tpmssh agent` running?); to share it, put tpm2-abrmd in front (`tpm2-abrmd --session"
                + " --tcti=" + backendTcti(dataAddress) + "`) and use --tcti tabrmd:bus_type=session");
    }

    /** Whether swtpm answers on its control channel within {@code left}; false when that cannot be told. */
    private static boolean controlAnswers(SocketAddress ctrlAddress, TransportTimeouts timeouts, Duration left) {
        if (left.isZero() || left.isNegative()) {
            return false;
        }
        try (Control probe = Control.connect(ctrlAddress, new TransportTimeouts(
                min(timeouts.connect(), left), timeouts.firstAnswer(), left))) {
            return ping(probe);
        } catch (TransportException e) {
            return false; // no control channel here (or it is held too): the response deadline decides
        }
    }

    private static boolean ping(Control control) {
        try {
            control.capabilities();
            return true;
        } catch (TransportException e) {
            return false;
        }
    }

    private static String backendTcti(SocketAddress dataAddress) {
        return dataAddress instanceof InetSocketAddress inet
                ? "swtpm:host=" + inet.getHostString() + ",port=" + inet.getPort()
                : "swtpm:path=" + Wire.describe(dataAddress);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The control channel, connected on first use and closed with this transport. */
    public synchronized Control control() throws TransportException {
        if (control == null) {
            control = Control.connect(ctrlAddress, timeouts);
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
        static final int CMD_GET_CAPABILITY = 1;
        static final int CMD_INIT = 2;
        static final int CMD_SHUTDOWN = 3;
        static final int CMD_SET_LOCALITY = 5;
        static final int CMD_STOP = 14;

        private final Wire wire;

        private Control(Wire wire) {
            this.wire = wire;
        }

        public static Control connect(SocketAddress address, TransportTimeouts timeouts) throws TransportException {
            return new Control(Wire.connect(address, "swtpm's control channel", HINT, timeouts));
        }

        /** The control commands swtpm supports (a bit mask); cheap, and answered whoever holds the data channel. */
        public synchronized int capabilities() throws TransportException {
            send("CMD_GET_CAPABILITY", CMD_GET_CAPABILITY, ByteBuffer.allocate(0));
            return wire.readInt("without listing its capabilities");
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
            wire.beginExchange();
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
