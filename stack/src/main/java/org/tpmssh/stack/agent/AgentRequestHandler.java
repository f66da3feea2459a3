package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_REQUEST_IDENTITIES;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_SIGN_REQUEST;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_FAILURE;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_IDENTITIES_ANSWER;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_SIGN_RESPONSE;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * Turns one agent request body into one response body, without any I/O, so that the protocol
 * can be tested apart from sockets. Anything it does not understand becomes SSH_AGENT_FAILURE.
 */
final class AgentRequestHandler {

    private static final Logger LOG = System.getLogger(SshAgentServer.class.getName());
    private static final byte[] FAILURE = {(byte) SSH_AGENT_FAILURE};

    private final Supplier<? extends Collection<? extends AgentKey>> keys;

    AgentRequestHandler(Supplier<? extends Collection<? extends AgentKey>> keys) {
        this.keys = keys;
    }

    static byte[] failure() {
        return FAILURE.clone();
    }

    /** @param request a complete message body: type byte and contents, without the length */
    byte[] handle(byte[] request) {
        if (request.length == 0) {
            return failure();
        }
        int type = request[0] & 0xff;
        SshWireReader reader = new SshWireReader(request, 1, request.length - 1);
        try {
            switch (type) {
                case SSH_AGENTC_REQUEST_IDENTITIES:
                    reader.requireEnd("identities request");
                    return identities();
                case SSH_AGENTC_SIGN_REQUEST:
                    return sign(reader);
                default:
                    // Extensions (session-bind@openssh.com, query) and key management land here; the
                    // draft says an agent answers FAILURE to what it does not support, and ssh carries on.
                    LOG.log(Level.DEBUG, "agent: unsupported message type {0}, answering failure", type);
                    return failure();
            }
        } catch (SshWireFormatException e) {
            LOG.log(Level.WARNING, "agent: malformed message of type {0} ({1} bytes): {2}",
                    type, request.length, e.getMessage());
            return failure();
        }
    }

    private byte[] identities() {
        List<? extends AgentKey> current = snapshot();
        if (current == null) {
            return failure();
        }
        SshWireWriter out = new SshWireWriter().writeByte(SSH_AGENT_IDENTITIES_ANSWER).writeUint32(current.size());
        for (AgentKey key : current) {
            out.writeString(key.publicKeyBlob()).writeString(key.comment() == null ? "" : key.comment());
        }
        return out.toByteArray();
    }

    private byte[] sign(SshWireReader reader) throws SshWireFormatException {
        byte[] blob = reader.readString();
        byte[] data = reader.readString();
        long flags = reader.readUint32();
        reader.requireEnd("sign request");
        List<? extends AgentKey> current = snapshot();
        if (current == null) {
            return failure();
        }
        AgentKey key = current.stream().filter(k -> Arrays.equals(k.publicKeyBlob(), blob)).findFirst().orElse(null);
        if (key == null) {
            LOG.log(Level.INFO, "agent: sign request for a key this agent does not hold ({0}-byte blob)",
                    blob.length);
            return failure();
        }
        try {
            byte[] signature = key.sign(data, (int) flags);
            LOG.log(Level.DEBUG, "agent: signed {0} bytes with ''{1}'' (flags {2})", data.length, key.comment(), flags);
            return new SshWireWriter().writeByte(SSH_AGENT_SIGN_RESPONSE).writeString(signature).toByteArray();
        } catch (AgentSignException e) {
            LOG.log(Level.WARNING, "agent: key ''{0}'' could not sign: {1}", key.comment(), e.getMessage());
            return failure();
        } catch (RuntimeException e) {
            // A bug in a key must cost one failed signature, not the connection or the server.
            LOG.log(Level.ERROR, "agent: key ''{0}'' failed unexpectedly: {1}", key.comment(), e.toString());
            return failure();
        }
    }

    private List<? extends AgentKey> snapshot() {
        try {
            return List.copyOf(keys.get());
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "agent: the key supplier failed: {0}", e.toString());
            return null;
        }
    }
}
