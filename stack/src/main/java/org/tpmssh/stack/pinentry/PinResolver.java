package org.tpmssh.stack.pinentry;

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
import org.tpmssh.stack.pin.PinAlreadyRefusedException;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;
import org.tpmssh.stack.pin.PinRequiredException;
import org.tpmssh.stack.pin.Secrets;

/**
 * Finds the PIN of a scope (usually a token) and keeps it while the TPM accepts it: first the cache,
 * then each {@link PinSource} in order. The rules are in docs/agent.md; PINs are never logged.
 */
public final class PinResolver {

    /** One use of a PIN, e.g. a signature; the PIN array is wiped after it returns. */
    @FunctionalInterface
    public interface PinUse<T, E extends Exception> {
        T use(char[] pin) throws E, PinException;
    }

    private record Cached(char[] pin, Instant expires) {
    }

    /** A PIN and where it came from. */
    private record Answer(char[] pin, String source) {
    }

    private static final String CACHE = "the PIN cache";

    private final List<PinSource> sources;
    private final String advice;
    private final Duration lifetime;
    private final Clock clock;
    private final Logger log;
    private final Map<String, Cached> cache = new HashMap<>();
    private final Set<String> explained = ConcurrentHashMap.newKeySet();
    private final Map<String, Object> scopeLocks = new ConcurrentHashMap<>();

    /**
     * @param sources asked in this order, e.g. askpass, PIN file, TPMSSH_PIN
     * @param lifetime how long an accepted PIN is kept; zero keeps none
     * @param advice what the log tells a user who gave no PIN, e.g. every way the CLI offers; null
     *     joins the sources' own {@link PinSource#howToProvide()}
     * @param log where a failing source and a missing PIN are reported, e.g. the agent's log
     */
    public PinResolver(List<PinSource> sources, Duration lifetime, Clock clock, String advice, Logger log) {
        this.sources = List.copyOf(sources);
        this.advice = advice != null ? advice
                : this.sources.stream().map(PinSource::howToProvide).collect(Collectors.joining(", or "));
        this.lifetime = lifetime;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Runs {@code use} with the PIN of {@code scope}. The scope is held from asking until the TPM has
     * judged the PIN, so parallel requests with a cold cache ask a person once; an accepted PIN is
     * cached for the lifetime, a refused one (or lockout) is evicted.
     *
     * @param keyName names the key in prompts and logs, never anything secret
     */
    public <T, E extends Exception> T withPin(String scope, String keyName, PinUse<T, E> use)
            throws E, PinException {
        synchronized (scopeLocks.computeIfAbsent(scope, s -> new Object())) {
            Answer answer = pinFor(scope, keyName);
            try {
                T result = use.use(answer.pin());
                accepted(scope, answer.pin());
                return result;
            } catch (PinIncorrectException e) {
                refused(scope);
                explainRefusal(scope, keyName, answer.source(), e);
                throw e;
            } catch (PinLockedException e) {
                refused(scope);
                throw e;
            } finally {
                Secrets.wipe(answer.pin());
            }
        }
    }

    /**
     * One line when the TPM counted a wrong PIN: which key needs which PIN, and which source gave the wrong one.
     * The same PIN is never put to the TPM again, so the line is said once for it; repeats are logged at DEBUG.
     */
    private void explainRefusal(String scope, String keyName, String source, PinIncorrectException e) {
        if (e.countedByTpm()) {
            log.log(Level.WARNING, "agent: key \"{0}\" needs the PIN of {1}; the TPM refused the one from {2} and"
                    + " counted the failure toward its dictionary-attack lockout. That PIN will not be tried again;"
                    + " correct {2}", keyName, scope, source);
        } else if (e instanceof PinAlreadyRefusedException) {
            log.log(Level.DEBUG, "agent: {0} gave key \"{1}\" the PIN the TPM refused before; not tried again",
                    source, keyName);
        } else {
            log.log(Level.WARNING, "agent: key \"{0}\" could not sign: {1}", keyName, e.getMessage());
        }
    }

    /** A fresh copy of the PIN of {@code scope} and its source; the caller wipes the PIN. */
    private Answer pinFor(String scope, String keyName) throws PinRequiredException {
        synchronized (cache) {
            Cached cached = cache.get(scope);
            if (cached != null) {
                if (clock.instant().isBefore(cached.expires())) {
                    return new Answer(cached.pin().clone(), CACHE);
                }
                forget(scope);
            }
        }
        String prompt = "Enter PIN for " + scope + " to use key " + keyName + ": ";
        for (PinSource source : sources) {
            try {
                char[] pin = source.pin(scope, prompt);
                if (pin != null) {
                    return new Answer(pin, source.name());
                }
            } catch (IOException e) {
                log.log(Level.WARNING, "agent: a PIN source for {0} failed: {1}", scope, e.getMessage());
            }
        }
        if (explained.add(scope)) {
            log.log(Level.WARNING, "agent: key \"{0}\" needs the PIN of {1}, and no PIN source answered; to"
                    + " provide one, {2}", keyName, scope, advice.isEmpty() ? "configure a PIN source" : advice);
        }
        throw new PinRequiredException("key \"" + keyName + "\" needs the PIN of " + scope
                + " and no PIN source answered");
    }

    /** The TPM accepted {@code pin} for {@code scope}: keep a copy for the lifetime. */
    private void accepted(String scope, char[] pin) {
        if (lifetime.isZero() || lifetime.isNegative()) {
            return;
        }
        synchronized (cache) {
            forget(scope);
            cache.put(scope, new Cached(pin.clone(), clock.instant().plus(lifetime)));
        }
    }

    /** The TPM refused the PIN of {@code scope}: never offer the cached copy again. */
    private void refused(String scope) {
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
