package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.tpmssh.stack.ssh.AgentKey;

/**
 * The keys the agent offers, one typed entry each: the supplier's (TPM) keys that no client removed, then
 * keys added with ssh-add; an added key takes the place of a supplied key with the same public key.
 */
final class KeyTable {

    /** One key the agent offers, with the constraints ssh-add gave it (none for supplied keys). */
    record Entry(AgentKey key, boolean added, Instant expires, boolean confirm) {
        static Entry supplied(AgentKey key) {
            return new Entry(key, false, null, false);
        }
    }

    private final Supplier<? extends Collection<? extends AgentKey>> supplier;
    private final Clock clock;
    private final ScheduledExecutorService timers;
    private final Map<String, Entry> added = new LinkedHashMap<>();
    private final Set<String> hidden = ConcurrentHashMap.newKeySet();

    KeyTable(Supplier<? extends Collection<? extends AgentKey>> supplier, Clock clock,
            ScheduledExecutorService timers) {
        this.supplier = supplier;
        this.clock = clock;
        this.timers = timers;
    }

    /** Every key offered now, by {@link #id}. The supplier's exceptions pass through. */
    Map<String, Entry> current() {
        Map<String, Entry> all = new LinkedHashMap<>();
        for (AgentKey key : List.copyOf(supplier.get())) {
            String id = id(key.publicKeyBlob());
            if (!hidden.contains(id)) {
                all.putIfAbsent(id, Entry.supplied(key));
            }
        }
        synchronized (added) {
            purgeExpired();
            // An added key replaces a supplied one with the same public key, so the constraints ssh-add gave it
            // (confirm, lifetime) hold; the supplied one returns when the added one expires.
            all.putAll(added);
        }
        return all;
    }

    /** Holds {@code key} until it is removed or {@code lifetimeSeconds} (if positive) pass. */
    void add(AgentKey key, long lifetimeSeconds, boolean confirm) {
        String id = id(key.publicKeyBlob());
        Entry entry = new Entry(key, true, lifetimeSeconds > 0 ? clock.instant().plusSeconds(lifetimeSeconds) : null,
                confirm);
        synchronized (added) {
            Entry old = added.put(id, entry);
            if (old != null && old.key() != key) {
                close(old.key());
            }
        }
        hidden.remove(id); // adding a removed TPM key's twin shows it again
        if (entry.expires() != null) {
            timers.schedule(() -> expire(id, entry), lifetimeSeconds, TimeUnit.SECONDS);
        }
    }

    /** Forgets an added key or stops offering a supplied one; returns what was removed, or null. */
    Entry remove(byte[] blob) {
        String id = id(blob);
        Entry gone;
        synchronized (added) {
            gone = added.remove(id);
        }
        if (gone != null) {
            close(gone.key());
            if (List.copyOf(supplier.get()).stream().anyMatch(k -> id(k.publicKeyBlob()).equals(id))) {
                hidden.add(id); // ssh-add -d takes the key away, not only its added copy
            }
            return gone;
        }
        for (AgentKey key : List.copyOf(supplier.get())) {
            if (id(key.publicKeyBlob()).equals(id) && hidden.add(id)) {
                return Entry.supplied(key);
            }
        }
        return null;
    }

    /** Forgets every added key and stops offering the supplied ones; returns how many added keys went. */
    int removeAll() {
        int count = forgetAdded();
        try {
            supplier.get().forEach(k -> hidden.add(id(k.publicKeyBlob())));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "agent: the key supplier failed: {0}", e.toString());
        }
        return count;
    }

    /** Forgets every added key; returns how many. */
    int forgetAdded() {
        List<Entry> gone;
        synchronized (added) {
            gone = List.copyOf(added.values());
            added.clear();
        }
        gone.forEach(e -> close(e.key()));
        return gone.size();
    }

    /** How the agent tells keys apart: the public key blob. */
    static String id(byte[] blob) {
        return Base64.getEncoder().encodeToString(blob);
    }

    private void expire(String id, Entry entry) {
        boolean removed;
        synchronized (added) {
            removed = added.remove(id, entry);
        }
        if (removed) {
            close(entry.key());
            LOG.log(Level.INFO, "agent: key \"{0}\" reached its lifetime and was forgotten", entry.key().comment());
        }
    }

    private void purgeExpired() {
        Instant now = clock.instant();
        added.entrySet().removeIf(e -> {
            if (e.getValue().expires() != null && !now.isBefore(e.getValue().expires())) {
                close(e.getValue().key());
                LOG.log(Level.INFO, "agent: key \"{0}\" reached its lifetime and was forgotten",
                        e.getValue().key().comment());
                return true;
            }
            return false;
        });
    }

    private static void close(AgentKey key) {
        if (key instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "agent: closing key \"{0}\" failed: {1}", key.comment(), e.toString());
            }
        }
    }
}
