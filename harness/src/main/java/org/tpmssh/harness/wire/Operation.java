package org.tpmssh.harness.wire;

import java.time.Duration;
import java.util.List;

/**
 * A named span of wire traffic, for example "cold-sign": every command that reached the proxy between
 * {@link TpmWireProxy#operation} and {@link #close()}, from any client connection.
 */
public final class Operation implements AutoCloseable {
    private final TpmWireProxy proxy;
    private final String name;
    private final long firstSeq;
    private final long startNanos;
    private volatile long endSeq = Long.MAX_VALUE;
    private volatile long endNanos;

    Operation(TpmWireProxy proxy, String name, long firstSeq) {
        this.proxy = proxy;
        this.name = name;
        this.firstSeq = firstSeq;
        this.startNanos = System.nanoTime();
    }

    public String name() {
        return name;
    }

    /** The commands of this span so far (all of them once it is closed), in wire order. */
    public List<Exchange> exchanges() {
        return proxy.exchanges(firstSeq, endSeq);
    }

    public CommandCounts counts() {
        return CommandCounts.of(exchanges());
    }

    /** Wall-clock time from opening to closing (or to now, while open). */
    public Duration elapsed() {
        return Duration.ofNanos((endSeq == Long.MAX_VALUE ? System.nanoTime() : endNanos) - startNanos);
    }

    public boolean isClosed() {
        return endSeq != Long.MAX_VALUE;
    }

    @Override
    public synchronized void close() {
        if (!isClosed()) {
            endNanos = System.nanoTime();
            endSeq = proxy.nextSeq();
            proxy.closed(this);
        }
    }

    @Override
    public String toString() {
        return name + ": " + counts();
    }
}
