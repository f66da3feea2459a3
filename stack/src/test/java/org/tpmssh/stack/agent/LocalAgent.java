package org.tpmssh.stack.agent;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.tpmssh.stack.ssh.AgentKey;

/**
 * The agent's real request handling ({@link AgentRequestHandler}) on one client connection, without the socket:
 * what a client sends goes to {@link AgentRequestHandler#handle} as the server hands it over, and the pause after a
 * wrong unlock passphrase is recorded instead of slept.
 */
final class LocalAgent implements AutoCloseable {

    /** The supplier's keys (the TPM's, in the real agent); a test adds to it or makes the supplier fail. */
    final List<AgentKey> supplied = new CopyOnWriteArrayList<>();
    /** The unlock pauses asked for, in milliseconds. */
    final List<Long> unlockDelays = new CopyOnWriteArrayList<>();
    volatile RuntimeException supplierFailure;
    final AgentOptions options;
    final AgentRequestHandler handler;
    final Connection connection;
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "local-agent-timers");
        t.setDaemon(true);
        return t;
    });

    LocalAgent(AgentOptions options) {
        this.options = options;
        this.handler = new AgentRequestHandler(() -> {
            RuntimeException failure = supplierFailure;
            if (failure != null) {
                throw failure;
            }
            return supplied;
        }, options, timers, unlockDelays::add);
        this.connection = handler.connection();
    }

    /** The answer to one request body on this agent's one connection. */
    byte[] ask(byte[] request) {
        return handler.handle(connection, request.clone());
    }

    /** As {@link #ask}, on a connection of its own (as each ssh process opens one). */
    byte[] askOnNewConnection(byte[] request) {
        try (Connection other = handler.connection()) {
            return handler.handle(other, request.clone());
        }
    }

    @Override
    public void close() {
        connection.close();
        handler.forgetAll();
        timers.shutdownNow();
    }
}
