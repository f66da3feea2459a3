package org.tpmssh.stack.agent;

import java.util.ArrayList;
import java.util.List;
import org.tpmssh.stack.upstream.UpstreamAgent;

/** What one client connection carries between requests: its session bindings and its link to the upstream agent. */
final class Connection implements AutoCloseable {

    /** One session-bind@openssh.com: the SSH session this connection serves. */
    record Binding(byte[] sessionId, boolean forwarding) {
    }

    /** Guarded by itself; see {@link SessionBindHandler}. */
    final List<Binding> bindings = new ArrayList<>();
    private final UpstreamAgent upstream;

    /** @param upstream the agent to proxy to, or null for none */
    Connection(UpstreamAgent upstream) {
        this.upstream = upstream;
    }

    boolean hasUpstream() {
        return upstream != null;
    }

    /** The upstream agent's answer to {@code request}, or null without an upstream or when it failed (logged). */
    byte[] forward(byte[] request) {
        return upstream == null ? null : upstream.request(request.clone());
    }

    @Override
    public void close() {
        if (upstream != null) {
            upstream.close();
        }
    }
}
