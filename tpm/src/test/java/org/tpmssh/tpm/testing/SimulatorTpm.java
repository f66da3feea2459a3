package org.tpmssh.tpm.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.tpmssh.emulators.IbmSimulator;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Startup;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TpmTransport;
import org.tpmssh.tpm.transport.TransportException;

/**
 * Test fixture: a real TPM simulator (swtpm, or the IBM simulator when present) with our command
 * layer on it, its DA limits raised so that tests not about lockout cannot trip it.
 */
public final class SimulatorTpm implements AutoCloseable {
    /** The simulators the layer is tested on. */
    public enum Backend { SWTPM_TCP, SWTPM_UNIX, MSSIM }

    public final AutoCloseable process;
    public final Tpm tpm;
    public final Recorder recorder;
    private KeyRing ring;

    private SimulatorTpm(AutoCloseable process, Tpm tpm, Recorder recorder) {
        this.process = process;
        this.tpm = tpm;
        this.recorder = recorder;
    }

    public static SimulatorTpm start() throws Exception {
        return start(Backend.SWTPM_TCP);
    }

    /** Why a backend cannot run here, or empty when it can; tests skip with this reason. */
    public static Optional<String> unavailable(Backend backend) {
        return backend == Backend.MSSIM ? IbmSimulator.availability() : Optional.empty();
    }

    public static SimulatorTpm start(Backend backend) throws Exception {
        AutoCloseable proc;
        String tcti;
        switch (backend) {
            case MSSIM: {
                IbmSimulator sim = IbmSimulator.start();
                proc = sim;
                tcti = sim.tcti();
                break;
            }
            case SWTPM_UNIX: {
                Swtpm sw = Swtpm.builder().unixSocket(true).start();
                proc = sw;
                tcti = sw.tcti();
                break;
            }
            default: {
                Swtpm sw = Swtpm.start();
                proc = sw;
                tcti = sw.tcti();
            }
        }
        try {
            Recorder rec = new Recorder(Tcti.parse(tcti).open());
            Tpm tpm = new Tpm(rec);
            Startup.ensureStarted(tpm);
            DictionaryAttack.relaxForOwnSimulator(tpm);
            return new SimulatorTpm(proc, tpm, rec);
        } catch (Exception | Error e) {
            proc.close();
            throw e;
        }
    }

    /** A KeyRing (ECC SRK and one salted session) on this TPM, opened once and closed with this fixture. */
    public synchronized KeyRing keyRing() throws TpmException {
        if (ring == null) {
            ring = KeyRing.open(tpm);
        }
        return ring;
    }

    @Override
    public void close() {
        try {
            if (ring != null) {
                ring.close(); // flushes its session and objects before the transport goes
            }
            tpm.close();
        } finally {
            try {
                process.close();
            } catch (Exception e) {
                throw new IllegalStateException("could not stop the simulator", e);
            }
        }
    }

    /** A transport wrapper that keeps a copy of every command and response it carries. */
    public static final class Recorder implements TpmTransport {
        private final TpmTransport inner;
        private final List<byte[]> sent = Collections.synchronizedList(new ArrayList<>());
        private final List<byte[]> received = Collections.synchronizedList(new ArrayList<>());
        private volatile boolean recording;

        public Recorder(TpmTransport inner) {
            this.inner = inner;
        }

        public void startRecording() {
            sent.clear();
            received.clear();
            recording = true;
        }

        public List<byte[]> sent() {
            return List.copyOf(sent);
        }

        public List<byte[]> received() {
            return List.copyOf(received);
        }

        @Override
        public byte[] transmit(byte[] command) throws TransportException {
            if (recording) {
                sent.add(command.clone());
            }
            byte[] r = inner.transmit(command);
            if (recording) {
                received.add(r.clone());
            }
            return r;
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
