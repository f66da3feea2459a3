package org.tpmssh.stack.agent;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.tpmssh.stack.pin.PinRequiredException;
import org.tpmssh.stack.pin.Secrets;
import org.tpmssh.stack.ssh.PinProtectedKey;

/**
 * Finds the PIN a {@link PinProtectedKey} needs: first the cache (per PIN scope, only for the
 * configured lifetime), then each {@link PinSource} in order. A PIN enters the cache only after
 * the TPM accepted it, and a wrong one is evicted. When nothing answers, the log says once per
 * scope which key needs a PIN and how to provide one. PINs are never logged.
 */
public final class PinResolver {

    private static final Logger LOG = System.getLogger(SshAgentServer.class.getName());

    private record Cached(char[] pin, Instant expires) {
    }

    private final List<PinSource> sources;
    private final String advice;
    private final Duration lifetime;
    private final Clock clock;
    private final Map<String, Cached> cache = new HashMap<>();
    private final Set<String> explained = ConcurrentHashMap.newKeySet();
    private final Map<String, Object> scopeLocks = new ConcurrentHashMap<>();

    /**
     * @param sources asked in this order, e.g. askpass, PIN file, TPMSSH_PIN
     * @param lifetime how long an accepted PIN is kept; zero keeps none
     */
    public PinResolver(List<PinSource> sources, Duration lifetime, Clock clock) {
        this(sources, lifetime, clock, sources.stream().map(PinSource::howToProvide)
                .collect(Collectors.joining(", or ")));
    }

    /** @param advice what the log tells a user who gave no PIN, e.g. every way the CLI offers */
    public PinResolver(List<PinSource> sources, Duration lifetime, Clock clock, String advice) {
        this.advice = advice;
        this.sources = List.copyOf(sources);
        this.lifetime = lifetime;
        this.clock = clock;
    }

    /** A fresh copy of the PIN for {@code key}; the caller wipes it. */
    public char[] pinFor(PinProtectedKey key) throws PinRequiredException {
        String scope = key.pinScope();
        synchronized (cache) {
            Cached cached = cache.get(scope);
            if (cached != null) {
                if (clock.instant().isBefore(cached.expires())) {
                    return cached.pin().clone();
                }
                forget(scope);
            }
        }
        String prompt = "Enter PIN for " + scope + " to use key " + key.comment() + ": ";
        for (PinSource source : sources) {
            try {
                char[] pin = source.pin(scope, prompt);
                if (pin != null) {
                    return pin;
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "agent: a PIN source for {0} failed: {1}", scope, e.getMessage());
            }
        }
        if (explained.add(scope)) {
            LOG.log(Level.WARNING, "agent: key \"{0}\" needs the PIN of {1}, and no PIN source answered; to"
                    + " provide one, {2}", key.comment(), scope, advice.isEmpty() ? "configure a PIN source" : advice);
        }
        throw new PinRequiredException("key \"" + key.comment() + "\" needs the PIN of " + scope
                + " and no PIN source answered");
    }

    /**
     * Held by the agent from asking for a PIN until the TPM has judged it, so that eight parallel
     * logins with a cold cache ask a person once, not eight times, and the others find it cached.
     */
    Object lockFor(String scope) {
        return scopeLocks.computeIfAbsent(scope, s -> new Object());
    }

    /** The TPM accepted {@code pin} for {@code scope}: keep a copy for the lifetime. */
    public void accepted(String scope, char[] pin) {
        if (lifetime.isZero() || lifetime.isNegative()) {
            return;
        }
        synchronized (cache) {
            forget(scope);
            cache.put(scope, new Cached(pin.clone(), clock.instant().plus(lifetime)));
        }
    }

    /** The TPM refused the PIN of {@code scope}: never offer the cached copy again. */
    public void refused(String scope) {
        synchronized (cache) {
            forget(scope);
        }
    }

    /** Wipes every cached PIN, e.g. when the agent is locked or closes. */
    public void clear() {
        synchronized (cache) {
            cache.values().forEach(c -> Secrets.wipe(c.pin()));
            cache.clear();
        }
    }

    private void forget(String scope) {
        Cached old = cache.remove(scope);
        if (old != null) {
            Secrets.wipe(old.pin());
        }
    }
}
