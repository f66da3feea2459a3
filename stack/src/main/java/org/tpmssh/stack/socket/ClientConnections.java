package org.tpmssh.stack.socket;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The clients of one socket server and every wait on them: a cap on how many are open, an idle timeout, and
 * a frame timeout for a request or answer once started. When the table is full, a new client may take the slot
 * of the one that has waited longest on its own side, never of one the server is working for (docs/agent.md).
 */
public final class ClientConnections implements AutoCloseable {

    /** What a full table does with a new client. */
    public enum WhenFull {
        /** Close the client that has waited longest for its own next byte, and admit the new one. */
        LET_GO_LONGEST_WAITING,
        /** Refuse the new client. */
        REFUSE
    }

    /**
     * @param maxConnections clients open at once
     * @param idleTimeout how long a client may stay silent between requests; zero for as long as it likes
     * @param frameTimeout how long a started request may take to arrive, and an answer to be taken
     */
    public record Limits(int maxConnections, Duration idleTimeout, Duration frameTimeout, WhenFull whenFull) {
        public Limits {
            if (maxConnections < 1 || idleTimeout.isNegative() || frameTimeout.isNegative() || frameTimeout.isZero()) {
                throw new IllegalArgumentException("connection limits must be positive (idle timeout zero for none): "
                        + maxConnections + ", " + idleTimeout + ", " + frameTimeout);
            }
        }
    }

    private enum State { WAITING, WORKING, CLOSED }

    /** How often a full table says so in the log while it keeps letting clients go. */
    private static final long FULL_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Limits limits;
    private final Logger log;
    private final String who;
    private final ScheduledThreadPoolExecutor timers;
    private final Set<Client> open = ConcurrentHashMap.newKeySet();
    private long lastFullLog;
    private int letGoSinceLog;

    /**
     * @param who names the server at the start of each log line, e.g. {@code agent}
     * @param timerThreads makes the one timer thread, which {@link #timers()} also lends to the server
     */
    public ClientConnections(Limits limits, Logger log, String who, ThreadFactory timerThreads) {
        this.limits = limits;
        this.log = log;
        this.who = who;
        this.timers = new ScheduledThreadPoolExecutor(1, timerThreads);
        // A cancelled deadline must leave the queue now, not when it would have fired: a flood of requests
        // would otherwise keep one per request queued for the whole frame timeout (issue 10, 360 MB).
        this.timers.setRemoveOnCancelPolicy(true);
        this.timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** The timer thread, for the server's own deadlines; cancelled tasks leave its queue at once. */
    public ScheduledExecutorService timers() {
        return timers;
    }

    /** Clients open now. */
    public int openCount() {
        return open.size();
    }

    /** Timer tasks queued now: the deadlines of clients and whatever else the server scheduled. */
    public int queuedTimers() {
        return timers.getQueue().size();
    }

    /**
     * Takes a newly accepted client into the table, letting another go if it is full and {@link WhenFull} allows.
     * An empty result means the client was refused and closed (logged).
     */
    public synchronized Optional<Client> admit(SocketChannel channel) {
        if (open.size() >= limits.maxConnections()) {
            Optional<Client> longest = limits.whenFull() == WhenFull.LET_GO_LONGEST_WAITING
                    ? open.stream().filter(c -> c.state.get() == State.WAITING)
                            .min(Comparator.comparingLong(c -> c.waitingSince))
                    : Optional.empty();
            if (longest.isEmpty() || !longest.get().letGo()) {
                log.log(Level.WARNING, "{0}: {1} connections open and busy, refusing another", who,
                        Integer.toString(limits.maxConnections()));
                closeQuietly(channel);
                return Optional.empty();
            }
            logLetGo(longest.get());
        }
        Client client = new Client(channel);
        open.add(client);
        return Optional.of(client);
    }

    private void logLetGo(Client client) {
        letGoSinceLog++;
        long now = System.nanoTime();
        if (lastFullLog == 0 || now - lastFullLog >= FULL_LOG_INTERVAL_NANOS) {
            log.log(Level.WARNING, "{0}: {1} connections open; let go of {2} client(s) that had waited longest on"
                    + " their own side (this one for {3} ms) to serve new ones. Is a client leaving connections open?",
                    who, Integer.toString(limits.maxConnections()), Integer.toString(letGoSinceLog),
                    Long.toString(TimeUnit.NANOSECONDS.toMillis(now - client.waitingSince)));
            lastFullLog = now;
            letGoSinceLog = 0;
        }
    }

    /** Closes every client; the timer thread stops too. */
    @Override
    public void close() {
        open.forEach(Client::close);
        timers.shutdownNow();
    }

    /** Waits for the timer thread to end; false if it is still running after {@code timeout}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return timers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One client: the server reads its requests and writes its answers only through this. */
    public final class Client implements AutoCloseable {
        private final SocketChannel channel;
        private final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
        private volatile long waitingSince = System.nanoTime();

        private Client(SocketChannel channel) {
            this.channel = channel;
        }

        public SocketChannel channel() {
            return channel;
        }

        /**
         * Waits, within the idle timeout, for the first bytes of the next request; the rest of the request
         * then goes to {@link #readFully}. False when the client hung up, idled too long or was let go.
         */
        public boolean awaitRequest(ByteBuffer buffer) throws IOException {
            waiting();
            ScheduledFuture<?> idle = limits.idleTimeout().isZero() ? null : timers.schedule(this::closeIdle,
                    limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                return channel.read(buffer) >= 0;
            } catch (AsynchronousCloseException e) {
                return false; // closed as idle, let go of, or the server is closing: each logged by its closer
            } finally {
                cancel(idle);
            }
        }

        /** Reads until {@code buffer} is full; a client that stalls past the frame timeout is dropped (logged). */
        public void readFully(ByteBuffer buffer) throws IOException {
            if (!buffer.hasRemaining()) {
                return;
            }
            ScheduledFuture<?> deadline = deadline("stalled mid-frame");
            try {
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer) < 0) {
                        throw new java.io.EOFException("got " + buffer.position() + " of " + buffer.limit()
                                + " bytes");
                    }
                }
            } finally {
                cancel(deadline);
            }
        }

        /**
         * The request is in: from now until {@link #answer} the server works for this client, and a full table
         * never lets it go.
         *
         * @throws AsynchronousCloseException it was let go, or the server closed, just before
         */
        public void working() throws AsynchronousCloseException {
            if (!state.compareAndSet(State.WAITING, State.WORKING)) {
                throw new AsynchronousCloseException();
            }
        }

        /** Writes an answer, which the client must take within the frame timeout or be dropped (logged). */
        public void answer(ByteBuffer buffer) throws IOException {
            waiting();
            ScheduledFuture<?> deadline = deadline("did not read its answers");
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } finally {
                cancel(deadline);
            }
        }

        /** Leaves the table and closes the connection. */
        @Override
        public void close() {
            state.set(State.CLOSED);
            open.remove(this);
            closeQuietly(channel);
        }

        private void waiting() throws AsynchronousCloseException {
            waitingSince = System.nanoTime();
            if (!state.compareAndSet(State.WORKING, State.WAITING) && state.get() != State.WAITING) {
                throw new AsynchronousCloseException();
            }
        }

        /** Called by a full table: true when this client was waiting and is now closed. */
        private boolean letGo() {
            if (!state.compareAndSet(State.WAITING, State.CLOSED)) {
                return false;
            }
            open.remove(this);
            closeQuietly(channel);
            return true;
        }

        private void closeIdle() {
            if (state.compareAndSet(State.WAITING, State.CLOSED)) {
                log.log(Level.DEBUG, "{0}: closed a connection idle for over {1} ms", who,
                        Long.toString(limits.idleTimeout().toMillis()));
                open.remove(this);
                closeQuietly(channel);
            }
        }

        private ScheduledFuture<?> deadline(String what) {
            long ms = limits.frameTimeout().toMillis();
            return timers.schedule(() -> {
                log.log(Level.WARNING, "{0}: dropped a client that {1} for over {2} ms", who, what, Long.toString(ms));
                close();
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }

    private void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            log.log(Level.DEBUG, "{0}: close failed: {1}", who, e.toString());
        }
    }
}
