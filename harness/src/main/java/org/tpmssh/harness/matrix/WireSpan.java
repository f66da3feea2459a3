package org.tpmssh.harness.matrix;

import java.security.PublicKey;
import java.util.List;
import org.tpmssh.axes.Combination;
import org.tpmssh.harness.wire.Exchange;
import org.tpmssh.harness.wire.Operation;
import org.tpmssh.harness.wire.Residency;
import org.tpmssh.harness.wire.WireSink;

/**
 * One operation of a combination's stack as the wire proxy saw it. Closing it reports it to the {@link WireSink}
 * if the operation was marked as done (a failed one would count the wrong thing); where no proxy is in the path it
 * records nothing.
 */
public final class WireSpan implements AutoCloseable {
    private final Operation operation;
    private final Combination combination;
    private final WireOperation kind;
    private boolean done;

    WireSpan(Operation operation, Combination combination, WireOperation kind) {
        this.operation = operation;
        this.combination = combination;
        this.kind = kind;
    }

    /** Whether a proxy is in the path, so that {@link #exchanges()} holds what crossed it. */
    public boolean onTheWire() {
        return operation != null;
    }

    /** Marks the operation as done, so that closing reports it. */
    public void done() {
        done = true;
    }

    /** What crossed the wire in the span so far; empty without a proxy. */
    public List<Exchange> exchanges() {
        return operation == null ? List.of() : operation.exchanges();
    }

    /** The successful signing commands made with {@code key} in the span ({@link Residency}). */
    public int tpmSignsWith(PublicKey key) {
        return Residency.signsByPublicKey(exchanges(), key).size();
    }

    @Override
    public void close() {
        if (operation == null || operation.isClosed()) {
            return;
        }
        operation.close();
        if (done) {
            WireSink.current().span(WireSink.Span.of(combination.backend().label(), combination.stack(),
                    combination.key().label(), kind.ordinal(), operation));
        }
    }
}
