package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;

/** Answers remove-identity and remove-all: added keys are forgotten, supplied TPM keys are no longer offered. */
final class RemoveHandler {

    private final KeyTable keys;

    RemoveHandler(KeyTable keys) {
        this.keys = keys;
    }

    byte[] remove(Connection connection, SshWireReader reader, byte[] request) throws SshWireFormatException {
        byte[] blob = reader.readString();
        reader.requireEnd("remove-identity request");
        KeyTable.Entry gone = keys.remove(blob);
        if (gone != null && gone.added()) {
            LOG.log(Level.INFO, "agent: removed added key \"{0}\"", gone.key().comment());
            return AgentMessages.success();
        }
        if (gone != null) {
            LOG.log(Level.INFO, "agent: key \"{0}\" is no longer offered by this agent; it stays in the TPM"
                    + " store and returns when the agent restarts", gone.key().comment());
            return AgentMessages.success();
        }
        byte[] answer = connection.forward(request);
        return answer == null ? AgentMessages.failure() : answer;
    }

    byte[] removeAll(Connection connection, byte[] request) {
        int forgotten = keys.removeAll();
        connection.forward(request);
        LOG.log(Level.INFO, "agent: removed all identities ({0} added keys forgotten)", forgotten);
        return AgentMessages.success();
    }
}
