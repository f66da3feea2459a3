package org.tpmssh.tpm.transport;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.PointerByReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tpmssh.tpm.transport.TransportException.Reason;

/**
 * Reaches a TPM through the system's TCTI loader (libtss2-tctildr, via JNA), so any TCTI module installed on the
 * machine works as it does for tpm2-tools: tabrmd, cmd, libtpms, or a module named by its file.
 */
public final class TctiLoaderTransport implements TpmTransport {

    static final String LOADER = "libtss2-tctildr.so.0";

    // From tss2_common.h: the TCTI layer (10 << 16) and its base codes.
    private static final int TCTI_LAYER = 10 << 16;
    private static final int RC_NO_CONNECTION = TCTI_LAYER | 8;
    private static final int RC_TRY_AGAIN = TCTI_LAYER | 9;
    private static final int RC_IO_ERROR = TCTI_LAYER | 10;
    private static final int RC_BAD_VALUE = TCTI_LAYER | 11;
    private static final int RC_NOT_SUPPORTED = TCTI_LAYER | 21;

    private static final Pattern MODULE_FILE =
            Pattern.compile("(?:.*/)?libtss2-tcti-([A-Za-z0-9_+-]+)\\.so(?:\\.\\d+)*");

    /** The loader's entry points (tss2_tctildr.h). */
    interface Loader extends Library {
        int Tss2_TctiLdr_Initialize(String nameConf, PointerByReference context);

        void Tss2_TctiLdr_Finalize(PointerByReference context);

        int Tss2_TctiLdr_GetInfo(String name, PointerByReference info);

        void Tss2_TctiLdr_FreeInfo(PointerByReference info);
    }

    /** The header every TCTI context starts with (TSS2_TCTI_CONTEXT_COMMON_V1, first four fields). */
    @Structure.FieldOrder({"magic", "version", "transmit", "receive"})
    public static final class Header extends Structure {
        public long magic;
        public int version;
        public Pointer transmit;
        public Pointer receive;

        Header(Pointer context) {
            super(context);
            read();
        }
    }

    private final Loader loader;
    private final String tcti;
    private final TransportTimeouts timeouts;
    private final Pointer context;
    private final Function transmit;
    private final Function receive;
    private boolean closed;

    private TctiLoaderTransport(Loader loader, String tcti, TransportTimeouts timeouts, Pointer context) {
        this.loader = loader;
        this.tcti = tcti;
        this.timeouts = timeouts;
        this.context = context;
        Header header = new Header(context);
        this.transmit = Function.getFunction(header.transmit);
        this.receive = Function.getFunction(header.receive);
    }

    /**
     * Loads the TCTI module {@code module} (a short name such as {@code tabrmd}, or a library file) with its
     * configuration string, within {@code timeouts.connect()}.
     */
    public static TctiLoaderTransport open(String module, String conf, TransportTimeouts timeouts)
            throws TransportException {
        String tcti = conf.isEmpty() ? module : module + ":" + conf;
        Loader loader = loader(tcti, LOADER);
        requireModule(loader, module, tcti);
        if (moduleName(module).equals("device")) {
            TpmDevicePath.require(Path.of(conf.isEmpty() ? "/dev/tpm0" : conf));
        }
        Pointer context = initialize(loader, tcti, timeouts.connect());
        Header header = new Header(context);
        if (header.version < 1 || header.transmit == null || header.receive == null) {
            finalizeContext(loader, context);
            throw new TransportException(Reason.OTHER, "the TCTI module of \"" + tcti + "\" returned a context of"
                    + " unknown version " + header.version + "; it does not follow tpm2-tss's TCTI interface");
        }
        return new TctiLoaderTransport(loader, tcti, timeouts, context);
    }

    private static String sessionBus;

    /** Why no TCTI module can be loaded here (the loader is not installed, named with its package), or empty. */
    public static Optional<String> availability() {
        try {
            loader("tabrmd", LOADER);
            return Optional.empty();
        } catch (TransportException e) {
            return Optional.of(e.getMessage());
        }
    }

    /**
     * Points this process's tabrmd connections ({@code bus_type=session}) at {@code address}: the module reads
     * DBUS_SESSION_BUS_ADDRESS from the C environment, which Java cannot write, and GLib keeps the first session
     * bus it connected to for the life of the process. So a process names its bus once, before its first tabrmd
     * connection, as a harness that runs tpm2-abrmd on a private bus does; naming another one later is refused.
     */
    public static synchronized void useSessionBus(String address) {
        if (address.equals(sessionBus)) {
            return;
        }
        if (sessionBus != null) {
            throw new IllegalStateException("this process already uses the session bus " + sessionBus
                    + "; GLib keeps its first session bus, so " + address + " cannot replace it");
        }
        NativeEnvironment.set("DBUS_SESSION_BUS_ADDRESS", address, true);
        sessionBus = address;
    }

    /** The Debian package that ships a TCTI module, e.g. {@code libtss2-tcti-tabrmd0} for {@code tabrmd}. */
    static String debianPackage(String module) {
        return "libtss2-tcti-" + moduleName(module) + "0";
    }

    /** {@code tabrmd} for {@code tabrmd}, {@code libtss2-tcti-tabrmd.so.0} or a path to that file. */
    static String moduleName(String module) {
        Matcher m = MODULE_FILE.matcher(module);
        return m.matches() ? m.group(1) : module;
    }

    /** Loads the loader from {@code library} (always {@link #LOADER}, but for a test of its absence). */
    static Loader loader(String tcti, String library) throws TransportException {
        try {
            NativeEnvironment.quietNativeLogs();
            return Native.load(library, Loader.class);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new TransportException(Reason.NO_MODULE, "the TCTI loader " + LOADER + " is not installed (Debian"
                    + " package libtss2-tctildr0), and --tcti \"" + tcti + "\" needs it; swtpm:, mssim: and device:"
                    + " work without it", e);
        }
    }

    private static void requireModule(Loader loader, String module, String tcti) throws TransportException {
        PointerByReference info = new PointerByReference();
        int rc = loader.Tss2_TctiLdr_GetInfo(module, info);
        if (rc == 0) {
            loader.Tss2_TctiLdr_FreeInfo(info);
            return;
        }
        String file = module.contains(".so") ? module : "libtss2-tcti-" + module + ".so.0";
        throw new TransportException(Reason.NO_MODULE, "the TCTI module " + file + " that --tcti \"" + tcti
                + "\" needs is not installed (Debian package " + debianPackage(module) + ")");
    }

    /** Tss2_TctiLdr_Initialize on a thread of its own, so a module that blocks (D-Bus, a socket) cannot hang us. */
    private static Pointer initialize(Loader loader, String tcti, Duration bound) throws TransportException {
        Handoff handoff = new Handoff();
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tcti-initialize");
            t.setDaemon(true);
            return t;
        });
        Future<Pointer> result = thread.submit(() -> {
            PointerByReference ref = new PointerByReference();
            int rc = loader.Tss2_TctiLdr_Initialize(tcti, ref);
            if (rc != 0) {
                throw initializeFailed(tcti, rc);
            }
            if (!handoff.publish()) {
                finalizeContext(loader, ref.getValue()); // we gave up waiting: nobody else will close it
            }
            return ref.getValue();
        });
        thread.shutdown();
        try {
            return result.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            if (handoff.abandon()) {
                closeQuietly(loader, result); // published just now: ours to close
            }
            throw new TransportException(Reason.TIMEOUT, "the TCTI \"" + tcti + "\" did not connect within "
                    + TransportTimeouts.describe(bound) + "; is the service behind it (tpm2-abrmd, the command)"
                    + " running and answering?", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransportException t) {
                throw t;
            }
            throw new TransportException(Reason.OTHER, "the TCTI \"" + tcti + "\" failed to start: " + e.getCause(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportException(Reason.OTHER, "interrupted while connecting to the TCTI \"" + tcti + "\"");
        }
    }

    /** Decides, once, whether a context that Initialize returns goes to the caller or is closed by the worker. */
    private static final class Handoff {
        private boolean published;
        private boolean abandoned;

        /** The worker's side: true when the caller still waits for the context. */
        synchronized boolean publish() {
            published = !abandoned;
            return published;
        }

        /** The caller's side, after its wait ran out: true when the context was published all the same. */
        synchronized boolean abandon() {
            abandoned = true;
            return published;
        }
    }

    private static void closeQuietly(Loader loader, Future<Pointer> result) {
        try {
            finalizeContext(loader, result.get());
        } catch (ExecutionException | InterruptedException ignored) {
            // Nothing was made, so there is nothing to close.
        }
    }

    private static TransportException initializeFailed(String tcti, int rc) {
        String code = "0x" + Integer.toHexString(rc);
        if (rc == RC_NO_CONNECTION || rc == RC_IO_ERROR) {
            String hint = moduleName(tcti.split(":", 2)[0]).equals("tabrmd")
                    ? "is tpm2-abrmd running and registered under that bus name (for bus_type=session, in the"
                    + " session bus that DBUS_SESSION_BUS_ADDRESS names)?"
                    : "is the TPM or service it names there and running?";
            return new TransportException(Reason.REFUSED, "cannot reach the TPM through the TCTI \"" + tcti
                    + "\" (TSS2 rc " + code + ", no connection): " + hint);
        }
        if (rc == RC_BAD_VALUE || rc == RC_NOT_SUPPORTED) {
            return new TransportException(Reason.OTHER, "the TCTI module rejected the configuration in \"" + tcti
                    + "\" (TSS2 rc " + code + "); see its manual page, e.g. man tss2-tcti-tabrmd");
        }
        return new TransportException(Reason.OTHER, "the TCTI \"" + tcti + "\" failed to start (TSS2 rc " + code
                + "); TSS2_LOG=all+ERROR shows the module's own reason");
    }

    @Override
    public synchronized byte[] transmit(byte[] command) throws TransportException {
        if (closed) {
            throw new TransportException(Reason.LOST, "the TCTI \"" + tcti + "\" connection is closed");
        }
        Memory out = new Memory(command.length);
        out.write(0, command, 0, command.length);
        int rc = transmit.invokeInt(new Object[] {context, new NativeLong(command.length), out});
        if (rc != 0) {
            throw failed("sending a command", rc);
        }
        Memory in = new Memory(ResponseFrame.MAX_SIZE);
        Memory size = new Memory(Native.SIZE_T_SIZE);
        long deadline = System.nanoTime() + timeouts.answer().toNanos();
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            size.setNativeLong(0, new NativeLong(ResponseFrame.MAX_SIZE));
            rc = receive.invokeInt(new Object[] {context, size, in, (int) Math.max(0, Math.min(left,
                    Integer.MAX_VALUE))});
            if (rc == 0) {
                int n = (int) size.getNativeLong(0).longValue();
                return ResponseFrame.check(in.getByteArray(0, Math.min(n, ResponseFrame.MAX_SIZE)), n);
            }
            if (rc != RC_TRY_AGAIN) {
                throw failed("waiting for the response", rc);
            }
            if (left <= 0) {
                throw new TransportException(Reason.TIMEOUT, "the TPM behind the TCTI \"" + tcti + "\" gave no"
                        + " answer within " + TransportTimeouts.describe(timeouts.answer()) + ": it is frozen or"
                        + " hung, or far slower than any TPM; if it is only slow, raise "
                        + TransportTimeouts.ENVIRONMENT_VARIABLE);
            }
        }
    }

    private TransportException failed(String doing, int rc) {
        Reason reason = rc == RC_NO_CONNECTION || rc == RC_IO_ERROR ? Reason.LOST : Reason.OTHER;
        return new TransportException(reason, "the TCTI \"" + tcti + "\" failed while " + doing + " (TSS2 rc 0x"
                + Integer.toHexString(rc) + (reason == Reason.LOST ? ", the connection is gone): did the TPM or the"
                + " service in front of it (tpm2-abrmd) stop?" : ")"));
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            finalizeContext(loader, context);
        }
    }

    private static void finalizeContext(Loader loader, Pointer context) {
        PointerByReference ref = new PointerByReference(context);
        loader.Tss2_TctiLdr_Finalize(ref);
    }
}
