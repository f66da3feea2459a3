package org.tpmssh.harness.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * A TPM wire proxy: clients connect to it as to swtpm (or to the IBM/Microsoft simulator) and it relays each
 * command to the real one, recording every command and response, counting them per {@link Operation}, and,
 * on request, holding responses back as a chip would ({@link ChipProfile}) or breaking them ({@link Fault}).
 * The control port (swtpm) or platform port (mssim), one above the data port, is passed through unchanged.
 *
 * <p>All client connections share one connection to the TPM, command by command, as clients share a chip;
 * so several clients (tpm2-abrmd, our stack, tpm2-tools) may use one swtpm at once, which swtpm alone cannot
 * serve. See docs/tpm-wire.md.
 */
public final class TpmWireProxy implements AutoCloseable {

    /** How the data port frames commands: swtpm's raw frames, or the simulator's TPM_SEND_COMMAND envelope. */
    public enum Protocol { SWTPM, MSSIM }

    /** Long enough for RSA key generation on the slowest chips (7.5 s in wolfTPM's table) many times over. */
    public static final Duration DEFAULT_TPM_TIMEOUT = Duration.ofMinutes(2);
    /** Once a client starts a frame, the rest must follow within this. */
    static final Duration FRAME_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);
    private static final int POLL_MILLIS = 200;
    private static final int BIND_ATTEMPTS = 20;

    // The simulator's TpmTcpProtocol.h codes on the command port.
    static final int MSSIM_SEND_COMMAND = 8;
    static final int MSSIM_SESSION_END = 20;

    private final Protocol protocol;
    private final SocketAddress upstreamData;
    private final SocketAddress upstreamSide;
    private final Duration tpmTimeout;
    private final ServerSocket dataListener;
    private final ServerSocket sideListener;
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Set<AutoCloseable> openEnds = ConcurrentHashMap.newKeySet();
    private final ReentrantLock upstreamLock = new ReentrantLock();
    private final ScheduledThreadPoolExecutor watchdog;
    private final HandleMap handles = new HandleMap();
    private final List<Exchange> log = new ArrayList<>();
    private final List<Operation> operations = new CopyOnWriteArrayList<>();
    private final List<Injection> injections = new CopyOnWriteArrayList<>();
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final AtomicLong seq = new AtomicLong(1);
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger sideConnections = new AtomicInteger();
    private final AtomicInteger openConnections = new AtomicInteger();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile ChipProfile profile;
    private volatile boolean closed;
    private SocketChannel upstream; // guarded by upstreamLock

    private TpmWireProxy(Builder b, ServerSocket[] listeners) {
        this.protocol = b.protocol;
        this.upstreamData = b.data;
        this.upstreamSide = b.side;
        this.tpmTimeout = b.tpmTimeout;
        this.profile = b.profile;
        this.dataListener = listeners[0];
        this.sideListener = listeners[1];
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "tpm-wire-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.setRemoveOnCancelPolicy(true);
    }

    /** A proxy in front of the TPM that {@code tcti} names (a {@code swtpm:} or {@code mssim:} TCTI), started. */
    public static TpmWireProxy inFrontOf(String tcti) {
        return builder(tcti).start();
    }

    public static Builder builder(String tcti) {
        Tcti t = Tcti.parse(tcti);
        if (t instanceof Tcti.Swtpm sw) {
            return sw.socket() != null
                    ? new Builder(Protocol.SWTPM, UnixDomainSocketAddress.of(sw.socket()),
                            UnixDomainSocketAddress.of(sw.socket() + ".ctrl"))
                    : new Builder(Protocol.SWTPM, new InetSocketAddress(sw.host(), sw.port()),
                            new InetSocketAddress(sw.host(), sw.port() + 1));
        }
        if (t instanceof Tcti.Mssim ms) {
            return new Builder(Protocol.MSSIM, new InetSocketAddress(ms.host(), ms.port()),
                    new InetSocketAddress(ms.host(), ms.port() + 1));
        }
        throw new IllegalArgumentException("the wire proxy sits in front of a socket (swtpm: or mssim:),"
                + " not " + tcti);
    }

    /** Options for a proxy; each has a default that suits a test. */
    public static final class Builder {
        private final Protocol protocol;
        private final SocketAddress data;
        private final SocketAddress side;
        private Duration tpmTimeout = DEFAULT_TPM_TIMEOUT;
        private ChipProfile profile;

        private Builder(Protocol protocol, SocketAddress data, SocketAddress side) {
            this.protocol = protocol;
            this.data = data;
            this.side = side;
        }

        /** How long the TPM may take to answer one command before the proxy gives up on it. */
        public Builder tpmTimeout(Duration tpmTimeout) {
            this.tpmTimeout = tpmTimeout;
            return this;
        }

        /** Hold every response as this chip would (see {@link TpmWireProxy#latencyProfile}). */
        public Builder latencyProfile(ChipProfile profile) {
            this.profile = profile;
            return this;
        }

        /** Listens on two adjacent free loopback ports (data, then control or platform) and starts serving. */
        public TpmWireProxy start() {
            TpmWireProxy proxy = new TpmWireProxy(this, bindPair());
            proxy.spawn("tpm-wire-accept-data", () -> proxy.accept(proxy.dataListener, proxy.connections,
                    proxy::serveData));
            proxy.spawn("tpm-wire-accept-side", () -> proxy.accept(proxy.sideListener, proxy.sideConnections,
                    proxy::passSide));
            return proxy;
        }
    }

    /** Two listeners on ports P and P+1: tpm2-tss finds the control or platform channel at port + 1. */
    private static ServerSocket[] bindPair() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        IOException last = null;
        for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
            ServerSocket data = null;
            try {
                data = new ServerSocket(0, 50, loopback);
                if (data.getLocalPort() < 65535) {
                    return new ServerSocket[] {data, new ServerSocket(data.getLocalPort() + 1, 50, loopback)};
                }
            } catch (IOException e) {
                last = e; // port + 1 was taken: try another pair
            }
            closeQuietly(data);
        }
        throw new IllegalStateException("the wire proxy found no two adjacent free loopback ports in "
                + BIND_ATTEMPTS + " tries" + (last == null ? "" : ": " + last.getMessage()));
    }

    /** The TCTI a client uses to go through this proxy, e.g. {@code swtpm:host=127.0.0.1,port=40123}. */
    public String tcti() {
        return (protocol == Protocol.SWTPM ? "swtpm" : "mssim") + ":host="
                + dataListener.getInetAddress().getHostAddress() + ",port=" + port();
    }

    /** The data port; the control (or platform) port is this plus one. */
    public int port() {
        return dataListener.getLocalPort();
    }

    public Protocol protocol() {
        return protocol;
    }

    /** Opens a named span: the commands that reach the proxy until it is closed belong to it. */
    public Operation operation(String name) {
        return new Operation(this, name, nextSeq());
    }

    /** The spans closed so far, in the order they closed. */
    public List<Operation> operations() {
        return List.copyOf(operations);
    }

    void closed(Operation op) {
        operations.add(op);
    }

    long nextSeq() {
        return seq.get();
    }

    /** Every exchange recorded so far, in wire order. */
    public List<Exchange> exchanges() {
        return exchanges(0, Long.MAX_VALUE);
    }

    List<Exchange> exchanges(long fromSeq, long toSeqExclusive) {
        List<Exchange> out = new ArrayList<>();
        synchronized (log) {
            for (Exchange e : log) {
                if (e.seq() >= fromSeq && e.seq() < toSeqExclusive) {
                    out.add(e);
                }
            }
        }
        out.sort(Comparator.comparingLong(Exchange::seq));
        return out;
    }

    /** Arms {@code fault} for the next {@code times} commands with {@code commandCode} ({@link Injection#ANY}). */
    public Injection inject(int commandCode, int times, Fault fault) {
        Injection i = new Injection(commandCode, times, fault);
        injections.add(i);
        return i;
    }

    /** Disarms every injection. */
    public void clearFaults() {
        injections.forEach(Injection::cancel);
        injections.clear();
    }

    /** From now on, hold each response as {@code chip} would take for it; null runs at swtpm's own speed. */
    public void latencyProfile(ChipProfile chip) {
        this.profile = chip;
    }

    public Optional<ChipProfile> latencyProfile() {
        return Optional.ofNullable(profile);
    }

    /** What the proxy knows about the object a TPM handle holds now. */
    public Optional<WireObject> objectAt(int handle) {
        return Optional.ofNullable(handles.get(handle));
    }

    /** Client data connections accepted so far. */
    public int connectionsAccepted() {
        return connections.get();
    }

    /** Client data connections open now. */
    public int connectionsOpen() {
        return openConnections.get();
    }

    /** Problems the proxy met (a client's malformed frame, a TPM that stopped answering), one sentence each. */
    public List<String> notes() {
        return List.copyOf(notes);
    }

    /** Threads of this proxy still running; empty once {@link #close()} returned. */
    public List<Thread> liveThreads() {
        return threads.stream().filter(Thread::isAlive).toList();
    }

    // ---- serving ----

    private void spawn(String name, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } finally {
                threads.remove(Thread.currentThread());
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private interface Handler {
        void handle(Socket client, int id);
    }

    private void accept(ServerSocket listener, AtomicInteger counter, Handler handler) {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    note("the proxy stopped accepting on port " + listener.getLocalPort() + ": " + e.getMessage());
                }
                return;
            }
            int id = counter.incrementAndGet();
            openEnds.add(client);
            if (closed) {
                closeQuietly(client);
                return;
            }
            spawn("tpm-wire-" + (listener == dataListener ? "conn-" : "side-") + id, () -> {
                try {
                    handler.handle(client, id);
                } finally {
                    openEnds.remove(client);
                    closeQuietly(client);
                }
            });
        }
    }

    /** One client's data connection: read a command, relay it, answer, until the client or the proxy ends it. */
    private void serveData(Socket client, int id) {
        openConnections.incrementAndGet();
        try {
            client.setTcpNoDelay(true);
            client.setSoTimeout(POLL_MILLIS);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            while (!closed) {
                byte[] command = readCommand(in);
                if (command == null || !relay(id, command, out)) {
                    return;
                }
            }
        } catch (ProxyClosedException e) {
            // The proxy is closing; the client sees its connection end.
        } catch (IOException e) {
            note("connection " + id + ": " + e.getMessage());
        } finally {
            openConnections.decrementAndGet();
        }
    }

    /** Reads one command in the client's framing; null when the client ends the connection between commands. */
    private byte[] readCommand(InputStream in) throws IOException {
        if (protocol == Protocol.SWTPM) {
            byte[] header = new byte[Frames.HEADER];
            if (!readFully(in, header, true)) {
                return null;
            }
            int size = Frames.u32(header, 2);
            checkSize(size, "its header");
            byte[] command = new byte[size];
            System.arraycopy(header, 0, command, 0, Frames.HEADER);
            readRest(in, command, Frames.HEADER);
            return command;
        }
        byte[] code = new byte[4];
        if (!readFully(in, code, true)) {
            return null;
        }
        int message = Frames.u32(code, 0);
        if (message == MSSIM_SESSION_END) {
            return null;
        }
        if (message != MSSIM_SEND_COMMAND) {
            throw new IOException("the client sent simulator message " + message + " on the command port; the proxy"
                    + " relays only TPM_SEND_COMMAND (8) and TPM_SESSION_END (20)");
        }
        byte[] head = new byte[5];
        readFully(in, head, false);
        int size = Frames.u32(head, 1);
        checkSize(size, "its TPM_SEND_COMMAND envelope");
        byte[] command = new byte[size];
        readFully(in, command, false);
        if (Frames.u32(command, 2) != size) {
            throw new IOException("the client's TPM_SEND_COMMAND envelope says " + size + " bytes but the command"
                    + " inside says " + Integer.toUnsignedString(Frames.u32(command, 2)));
        }
        return command;
    }

    private static void checkSize(int size, String where) throws IOException {
        if (size < Frames.HEADER || size > Frames.MAX_FRAME) {
            throw new IOException("the client's command size in " + where + " is " + Integer.toUnsignedString(size)
                    + " bytes: not a TPM command");
        }
    }

    private void readRest(InputStream in, byte[] b, int from) throws IOException {
        byte[] rest = new byte[b.length - from];
        readFully(in, rest, false);
        System.arraycopy(rest, 0, b, from, rest.length);
    }

    /**
     * Fills {@code b}. Before the first byte of a frame the client may stay idle for as long as it likes (until
     * the proxy closes); once a frame has started, the rest must come within {@link #FRAME_TIMEOUT}.
     * Returns false when the client closes before the first byte and idling was allowed.
     */
    private boolean readFully(InputStream in, byte[] b, boolean idleAllowed) throws IOException {
        int n = 0;
        long deadline = idleAllowed ? Long.MAX_VALUE : System.nanoTime() + FRAME_TIMEOUT.toNanos();
        while (n < b.length) {
            try {
                int r = in.read(b, n, b.length - n);
                if (r < 0) {
                    if (n == 0 && idleAllowed) {
                        return false;
                    }
                    throw new EOFException("the client closed the connection in the middle of a frame");
                }
                n += r;
                if (deadline == Long.MAX_VALUE) {
                    deadline = System.nanoTime() + FRAME_TIMEOUT.toNanos();
                }
            } catch (SocketTimeoutException idle) {
                if (closed) {
                    throw new ProxyClosedException();
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("the client sent part of a frame and then nothing for "
                            + FRAME_TIMEOUT.toSeconds() + " s");
                }
            }
        }
        return true;
    }

    /** Relays one command; false when the connection must close (a dropped or cut-off response, a dead TPM). */
    private boolean relay(int connection, byte[] command, OutputStream out) throws IOException {
        long received = System.nanoTime();
        long id = seq.getAndIncrement();
        int cc = Frames.codeAt6(command);
        Injection injection = armedFor(cc);
        Fault fault = injection == null ? null : injection.fault();
        if (fault instanceof Fault.Respond r) {
            byte[] answer = Frames.errorResponse(r.responseCode());
            record(new Exchange(id, connection, command, null, answer, new Exchange.Timing(received, 0, 0), null,
                    fault, handles.subjectOf(command)));
            write(out, answer, answer.length);
            return true;
        }
        if (fault instanceof Fault.Drop d && !d.afterTpm()) {
            record(new Exchange(id, connection, command, null, null, new Exchange.Timing(received, 0, 0), null,
                    fault, handles.subjectOf(command)));
            return false;
        }
        byte[] response;
        long tpmNanos;
        long heldNanos = 0;
        CommandDelay chip = null;
        WireObject subject;
        upstreamLock.lock();
        try {
            subject = handles.subjectOf(command);
            WireObject template = HandleMap.templateOf(command);
            long sent = System.nanoTime();
            try {
                response = transmitUpstream(command);
            } catch (IOException e) {
                dropUpstream();
                String why = closed ? "the proxy closed" : e.getMessage();
                note("connection " + connection + ": " + CommandCode.name(cc) + " got no answer from the TPM: " + why);
                record(new Exchange(id, connection, command, null, null,
                        new Exchange.Timing(received, System.nanoTime() - sent, 0), null, fault, subject));
                return false;
            }
            tpmNanos = System.nanoTime() - sent;
            handles.observe(command, response);
            ChipProfile chipProfile = profile;
            long hold = 0;
            if (chipProfile != null) {
                chip = chipProfile.delay(cc, subject, template, Frames.firstHandleIs(command, Handles.RH_NULL));
                hold = Math.max(0, chip.delay().toNanos() - tpmNanos);
            }
            if (fault instanceof Fault.Delay d) {
                hold += d.delay().toNanos();
            }
            heldNanos = hold(hold);
        } finally {
            upstreamLock.unlock();
        }
        Exchange.Timing timing = new Exchange.Timing(received, tpmNanos, heldNanos);
        if (fault instanceof Fault.Drop) {
            record(new Exchange(id, connection, command, response, null, timing, chip, fault, subject));
            return false;
        }
        byte[] delivered = response;
        if (fault != null) {
            byte[] rewritten = fault.rewrite(cc, response);
            if (rewritten == null) {
                injection.giveBack(); // not applicable to this response: wait for one it applies to
                fault = null;
            } else {
                delivered = rewritten;
            }
        }
        if (fault instanceof Fault.Truncate t) {
            byte[] part = Arrays.copyOf(delivered, Math.min(t.keep(), delivered.length));
            record(new Exchange(id, connection, command, response, part, timing, chip, fault, subject));
            write(out, part, delivered.length);
            return false;
        }
        record(new Exchange(id, connection, command, response, delivered, timing, chip, fault, subject));
        write(out, delivered, delivered.length);
        return true;
    }

    private Injection armedFor(int cc) {
        for (Injection i : injections) {
            if (i.take(cc)) {
                return i;
            }
        }
        return null;
    }

    /** Waits, unless the proxy closes first; returns how long it waited. */
    private long hold(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        long start = System.nanoTime();
        try {
            closing.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return System.nanoTime() - start;
    }

    /** Writes a response in the client's framing; {@code framedLength} differs from the bytes when cut off. */
    private void write(OutputStream out, byte[] response, int framedLength) throws IOException {
        if (protocol == Protocol.SWTPM) {
            out.write(response);
        } else {
            ByteBuffer b = ByteBuffer.allocate(8 + response.length).putInt(framedLength).put(response);
            if (response.length == framedLength) {
                b.putInt(0); // the simulator's acknowledgement after each response
            }
            out.write(b.array(), 0, b.position());
        }
        out.flush();
    }

    private void record(Exchange e) {
        synchronized (log) {
            log.add(e);
        }
    }

    // ---- the TPM side ----

    /** Sends one command to the TPM and reads its response; the caller holds the upstream lock. */
    private byte[] transmitUpstream(byte[] command) throws IOException {
        if (closed) {
            throw new ProxyClosedException();
        }
        SocketChannel ch = upstream();
        ScheduledFuture<?> guard = watchdog.schedule(() -> closeQuietly(ch), tpmTimeout.toNanos(),
                TimeUnit.NANOSECONDS);
        try {
            if (protocol == Protocol.SWTPM) {
                writeAll(ch, ByteBuffer.wrap(command));
                ByteBuffer header = readExactly(ch, Frames.HEADER);
                int size = header.getInt(2);
                if (size < Frames.HEADER || size > Frames.MAX_FRAME) {
                    throw new IOException("the TPM's response header says " + Integer.toUnsignedString(size)
                            + " bytes: not a TPM response");
                }
                ByteBuffer response = ByteBuffer.allocate(size).put(header.flip());
                response.put(readExactly(ch, size - Frames.HEADER).flip());
                return response.array();
            }
            writeAll(ch, ByteBuffer.allocate(9 + command.length).putInt(MSSIM_SEND_COMMAND).put((byte) 0)
                    .putInt(command.length).put(command).flip());
            int size = readExactly(ch, 4).getInt(0);
            if (size < Frames.HEADER || size > Frames.MAX_FRAME) {
                throw new IOException("the simulator framed a response of " + Integer.toUnsignedString(size)
                        + " bytes: not a TPM response");
            }
            byte[] response = readExactly(ch, size).array();
            readExactly(ch, 4); // acknowledgement
            return response;
        } catch (IOException e) {
            if (guard.isDone() && !guard.isCancelled()) {
                throw new IOException("the TPM did not answer within " + tpmTimeout.toSeconds() + " s", e);
            }
            throw e;
        } finally {
            guard.cancel(false);
        }
    }

    private SocketChannel upstream() throws IOException {
        if (upstream == null || !upstream.isOpen()) {
            upstream = connect(upstreamData);
            openEnds.add(upstream);
        }
        return upstream;
    }

    private void dropUpstream() {
        if (upstream != null) {
            openEnds.remove(upstream);
            closeQuietly(upstream);
            upstream = null;
        }
    }

    private static SocketChannel connect(SocketAddress address) throws IOException {
        SocketChannel ch = null;
        try {
            if (address instanceof UnixDomainSocketAddress) {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(address);
            } else {
                ch = SocketChannel.open();
                ch.socket().setTcpNoDelay(true);
                ch.socket().connect(address, (int) CONNECT_TIMEOUT.toMillis());
            }
            return ch;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new IOException("cannot reach the TPM at " + address + ": " + e.getMessage(), e);
        }
    }

    private static void writeAll(SocketChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static ByteBuffer readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException("the TPM closed the connection after " + b.position() + " of " + n + " bytes");
            }
        }
        return b;
    }

    // ---- the control (swtpm) or platform (mssim) port ----

    /** Pipes one side-channel connection to a fresh one to the TPM's, both ways, until either side ends. */
    private void passSide(Socket client, int id) {
        SocketChannel tpm;
        try {
            tpm = connect(upstreamSide);
        } catch (IOException e) {
            note("side connection " + id + ": " + e.getMessage());
            return;
        }
        openEnds.add(tpm);
        try {
            Thread down = new Thread(() -> pipe(tpm, client), "tpm-wire-side-" + id + "-down");
            down.setDaemon(true);
            threads.add(down);
            down.start();
            pipe(client, tpm);
            join(down, JOIN_TIMEOUT.plus(Duration.ofMillis(POLL_MILLIS)));
        } finally {
            openEnds.remove(tpm);
            closeQuietly(tpm);
        }
    }

    private void pipe(Socket from, SocketChannel to) {
        byte[] buf = new byte[4096];
        try {
            InputStream in = from.getInputStream();
            from.setSoTimeout(0); // a control client may wait for ever between messages; close() ends it
            int n;
            while ((n = in.read(buf)) >= 0) {
                writeAll(to, ByteBuffer.wrap(buf, 0, n));
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(to);
        }
    }

    private void pipe(SocketChannel from, Socket to) {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        try {
            OutputStream out = to.getOutputStream();
            while (from.read(buf.clear()) >= 0) {
                out.write(buf.array(), 0, buf.position());
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(to);
        } finally {
            threads.remove(Thread.currentThread());
        }
    }

    private void note(String sentence) {
        if (!closed) {
            notes.add(sentence);
        }
    }

    /**
     * Stops listening, ends every client connection and the connection to the TPM, and waits (bounded) for
     * every thread it started. Recorded exchanges and operations stay readable. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closing.countDown();
        closeQuietly(dataListener);
        closeQuietly(sideListener);
        if (protocol == Protocol.MSSIM && upstreamLock.tryLock()) {
            try {
                if (upstream != null && upstream.isOpen()) {
                    writeAll(upstream, ByteBuffer.allocate(4).putInt(MSSIM_SESSION_END).flip());
                }
            } catch (IOException e) {
                // The simulator is gone already: nothing to end.
            } finally {
                upstreamLock.unlock();
            }
        }
        for (AutoCloseable end : openEnds) {
            closeQuietly(end);
        }
        watchdog.shutdownNow();
        long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
        for (Thread t : List.copyOf(threads)) {
            join(t, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        }
        try {
            watchdog.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void join(Thread t, Duration bound) {
        try {
            t.join(Math.max(1, bound.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // Best effort: the other side may be gone already, which is what closing wanted.
            }
        }
    }

    /** The proxy is closing: a reader stops without calling it a client's fault. */
    private static final class ProxyClosedException extends IOException {
        ProxyClosedException() {
            super("the proxy closed");
        }
    }
}
