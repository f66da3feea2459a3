package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.upstream.UpstreamAgent;

/**
 * Turns one agent request body into one response body, without socket I/O, by handing it to the handler of
 * its concern.
 */
final class AgentRequestHandler {

    private final AgentOptions options;
    private final ScheduledExecutorService timers;
    private final KeyTable keys;
    private final IdentitiesHandler identities;
    private final SignHandler signing;
    private final AddHandler adding;
    private final RemoveHandler removing;
    private final LockHandler lock;

    AgentRequestHandler(Supplier<? extends Collection<? extends AgentKey>> supplier, AgentOptions options,
            ScheduledExecutorService timers) {
        this(supplier, options, timers, LockHandler::sleepQuietly);
    }

    /** As above; {@code unlockDelay} serves the growing pause after a wrong unlock passphrase (in ms). */
    AgentRequestHandler(Supplier<? extends Collection<? extends AgentKey>> supplier, AgentOptions options,
            ScheduledExecutorService timers, LongConsumer unlockDelay) {
        this.options = options;
        this.timers = timers;
        this.keys = new KeyTable(supplier, options.clock(), timers);
        this.identities = new IdentitiesHandler(keys);
        this.signing = new SignHandler(keys, options);
        this.adding = new AddHandler(keys, options.addedKeys());
        this.removing = new RemoveHandler(keys);
        this.lock = new LockHandler(options.pins(), unlockDelay);
    }

    /** The state of a new client connection; with {@code -A}, its own link to the upstream agent. */
    Connection connection() {
        return new Connection(options.upstream() == null ? null
                : new UpstreamAgent(options.upstream(), timers, MAX_MESSAGE_BYTES, LOG));
    }

    /**
     * @param request a complete message body: type byte and contents, without the length; it is
     *     wiped afterwards, since add-identity and lock messages carry secrets
     */
    byte[] handle(Connection connection, byte[] request) {
        try {
            return dispatch(connection, request);
        } catch (SshWireFormatException e) {
            LOG.log(Level.WARNING, "agent: malformed message of type {0} ({1} bytes): {2}",
                    type(request), request.length, e.getMessage());
            return failure();
        } catch (RuntimeException e) {
            // A bug of ours costs one failure, not the connection or the server; the fuzz target sees it.
            LOG.log(Level.ERROR, "agent: message of type {0} ({1} bytes) failed unexpectedly: {2}",
                    type(request), request.length, e.toString());
            return failure();
        } finally {
            Arrays.fill(request, (byte) 0);
        }
    }

    private static int type(byte[] request) {
        return request.length == 0 ? -1 : request[0] & 0xff;
    }

    /** Forgets every added key, cached PIN and lock; called when the agent closes. */
    void forgetAll() {
        keys.forgetAdded();
        options.pins().clear();
        lock.forget();
    }

    /**
     * The answer to one request; a malformed one is an {@link SshWireFormatException}, and anything else that is
     * thrown is a bug (the fuzz target calls this to find them).
     */
    byte[] dispatch(Connection connection, byte[] request) throws SshWireFormatException {
        if (request.length == 0) {
            return failure();
        }
        int type = request[0] & 0xff;
        SshWireReader reader = new SshWireReader(request, 1, request.length - 1);
        if (lock.locked() && type != SSH_AGENTC_UNLOCK) {
            // As OpenSSH: a locked agent lists nothing and does nothing else.
            if (type == SSH_AGENTC_REQUEST_IDENTITIES) {
                reader.requireEnd("identities request");
                return IdentitiesHandler.none();
            }
            LOG.log(Level.INFO, "agent: locked; refusing message type {0}", type);
            return failure();
        }
        switch (type) {
            case SSH_AGENTC_REQUEST_IDENTITIES:
                reader.requireEnd("identities request");
                return identities.list(connection);
            case SSH_AGENTC_SIGN_REQUEST:
                return signing.sign(connection, reader, request);
            case SSH_AGENTC_ADD_IDENTITY:
            case SSH_AGENTC_ADD_ID_CONSTRAINED:
                return adding.add(reader, type == SSH_AGENTC_ADD_ID_CONSTRAINED);
            case SSH_AGENTC_REMOVE_IDENTITY:
                return removing.remove(connection, reader, request);
            case SSH_AGENTC_REMOVE_ALL_IDENTITIES:
                reader.requireEnd("remove-all request");
                return removing.removeAll(connection, request);
            case SSH_AGENTC_LOCK:
                return lock.lock(reader);
            case SSH_AGENTC_UNLOCK:
                return lock.unlock(reader);
            case SSH_AGENTC_EXTENSION:
                return extension(connection, reader, request);
            default:
                // Smartcard keys, protocol 1 and anything newer: the draft says answer FAILURE.
                LOG.log(Level.DEBUG, "agent: unsupported message type {0}, answering failure", type);
                return failure();
        }
    }

    private static byte[] extension(Connection connection, SshWireReader reader, byte[] request)
            throws SshWireFormatException {
        String name = reader.readUtf8();
        if (!SESSION_BIND.equals(name)) {
            LOG.log(Level.DEBUG, "agent: unsupported extension {0}", name.replaceAll("\\p{Cntrl}", "?"));
            return failure();
        }
        return SessionBindHandler.bind(connection, reader, request);
    }
}
