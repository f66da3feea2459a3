package org.tpmssh.harness.wire;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * A TPM wire proxy: clients connect to it as to swtpm or the simulator, and it relays each command to the real
 * one, recording and counting every exchange and, on request, delaying ({@link ChipProfile}) or breaking
 * ({@link Fault}) responses. Clients share its one connection to the TPM command by command, as they share a chip
 * (docs/tpm-wire.md).
 */
public final class TpmWireProxy implements AutoCloseable {

    /** How the data port frames commands: swtpm's raw frames, or the simulator's TPM_SEND_COMMAND envelope. */
    public enum Protocol { SWTPM, MSSIM }

    /** Long enough for RSA key generation on the slowest chips (7.5 s in wolfTPM's table) many times over. */
    public static final Duration DEFAULT_TPM_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);
    private static final int POLL_MILLIS = 200;
    private static final int BIND_ATTEMPTS = 20;

    private final Protocol protocol;
    private final ClientFraming framing;
    private final UpstreamTpm upstream;
    private final SocketAddress upstreamSide;
    private final ServerSocket dataListener;
    private final ServerSocket sideListener;
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Set<AutoCloseable> openEnds = ConcurrentHashMap.newKeySet();
    private final ReentrantLock upstreamLock = new ReentrantLock();
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

    private TpmWireProxy(Builder b, ServerSocket[] listeners) {
        this.protocol = b.protocol;
        this.framing = new ClientFraming(b.protocol, () -> closed);
        this.upstream = new UpstreamTpm(b.protocol, b.data, b.tpmTimeout, () -> closed);
        this.upstreamSide = b.side;
        this.profile = b.profile;
        this.dataListener = listeners[0];
        this.sideListener = listeners[1];
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
                byte[] command = framing.readCommand(in);
                if (command == null || !relay(id, command, out)) {
                    return;
                }
            }
        } catch (ClientFraming.ProxyClosedException e) {
            // The proxy is closing; the client sees its connection end.
        } catch (IOException e) {
            note("connection " + id + ": " + e.getMessage());
        } finally {
            openConnections.decrementAndGet();
        }
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
            framing.write(out, answer, answer.length);
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
                response = upstream.transmit(command);
            } catch (IOException e) {
                upstream.drop();
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
            framing.write(out, part, delivered.length);
            return false;
        }
        record(new Exchange(id, connection, command, response, delivered, timing, chip, fault, subject));
        framing.write(out, delivered, delivered.length);
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

    private void record(Exchange e) {
        synchronized (log) {
            log.add(e);
        }
    }

    // ---- the control (swtpm) or platform (mssim) port ----

    /** Pipes one side-channel connection to a fresh one to the TPM's, both ways, until either side ends. */
    private void passSide(Socket client, int id) {
        SocketChannel tpm;
        try {
            tpm = UpstreamTpm.connect(upstreamSide);
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
                UpstreamTpm.writeAll(to, ByteBuffer.wrap(buf, 0, n));
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
        if (upstreamLock.tryLock()) { // not in the middle of a command
            try {
                upstream.endSession();
            } finally {
                upstreamLock.unlock();
            }
        }
        for (AutoCloseable end : openEnds) {
            closeQuietly(end);
        }
        long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
        upstream.close(JOIN_TIMEOUT);
        for (Thread t : List.copyOf(threads)) {
            join(t, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
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
        UpstreamTpm.closeQuietly(c);
    }
}
