package org.tpmssh.stack.agent;

import java.util.concurrent.atomic.AtomicInteger;
import org.tpmssh.stack.pinentry.PinSource;

/** A PIN source that always gives the same PIN and counts how often the agent asked it. */
final class CountingPinSource implements PinSource {
    final AtomicInteger asked = new AtomicInteger();
    private final String pin;

    CountingPinSource(String pin) {
        this.pin = pin;
    }

    @Override
    public char[] pin(String scope, String prompt) {
        asked.incrementAndGet();
        return pin.toCharArray();
    }

    @Override
    public String howToProvide() {
        return "test";
    }
}
