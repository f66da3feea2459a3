package org.tpmssh.harness.wire;

import java.util.concurrent.atomic.AtomicInteger;
import org.tpmssh.tpm.structures.CommandCode;

/**
 * A fault armed for the next {@code times} commands with one command code (or any, {@link #ANY}); it fires
 * only where it applies, so "corrupt the response HMAC of the next Sign" skips a Sign without a session.
 */
public final class Injection {
    /** Matches every command code. */
    public static final int ANY = 0;

    private final int commandCode;
    private final Fault fault;
    private final AtomicInteger remaining;
    private final AtomicInteger fired = new AtomicInteger();

    Injection(int commandCode, int times, Fault fault) {
        if (times < 1) {
            throw new IllegalArgumentException("an injection fires at least once, not " + times + " times");
        }
        this.commandCode = commandCode;
        this.fault = fault;
        this.remaining = new AtomicInteger(times);
    }

    public Fault fault() {
        return fault;
    }

    /** How many commands this injection has hit so far. */
    public int fired() {
        return fired.get();
    }

    /** Disarms what is left of it. */
    public void cancel() {
        remaining.set(0);
    }

    public boolean armed() {
        return remaining.get() > 0;
    }

    /** Takes one shot for a command with {@code cc}, if it matches and shots remain. */
    boolean take(int cc) {
        if (commandCode != ANY && commandCode != cc) {
            return false;
        }
        while (true) {
            int left = remaining.get();
            if (left <= 0) {
                return false;
            }
            if (remaining.compareAndSet(left, left - 1)) {
                fired.incrementAndGet();
                return true;
            }
        }
    }

    /** Returns a shot that turned out not to apply to the response. */
    void giveBack() {
        fired.decrementAndGet();
        remaining.incrementAndGet();
    }

    @Override
    public String toString() {
        return fault + " on " + (commandCode == ANY ? "any command" : CommandCode.name(commandCode));
    }
}
