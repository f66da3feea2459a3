package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENTC_REQUEST_IDENTITIES;
import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_IDENTITIES_ANSWER;
import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/** Answers request-identities: our keys, then the upstream agent's keys that we do not hold ourselves. */
final class IdentitiesHandler {

    private final KeyTable keys;

    IdentitiesHandler(KeyTable keys) {
        this.keys = keys;
    }

    byte[] list(Connection connection) throws SshWireFormatException {
        Map<String, KeyTable.Entry> current;
        try {
            current = keys.current();
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "agent: the key supplier failed: {0}", e.toString());
            return AgentMessages.failure();
        }
        List<byte[]> blobs = new ArrayList<>();
        List<String> comments = new ArrayList<>();
        for (KeyTable.Entry entry : current.values()) {
            AgentKey key = entry.key();
            blobs.add(key.publicKeyBlob());
            comments.add(key.comment() == null ? "" : key.comment());
        }
        byte[] answer = connection.forward(new byte[] {SSH_AGENTC_REQUEST_IDENTITIES});
        if (answer != null && answer.length > 0 && (answer[0] & 0xff) == SSH_AGENT_IDENTITIES_ANSWER) {
            SshWireReader upstream = new SshWireReader(answer, 1, answer.length - 1);
            long count = upstream.readUint32();
            for (long i = 0; i < count; i++) {
                byte[] blob = upstream.readString();
                String comment = upstream.readUtf8();
                if (!current.containsKey(KeyTable.id(blob))) {
                    blobs.add(blob);
                    comments.add(comment);
                }
            }
        }
        return answer(blobs, comments);
    }

    /** The identities answer of a locked agent, which lists nothing. */
    static byte[] none() {
        return answer(List.of(), List.of());
    }

    private static byte[] answer(List<byte[]> blobs, List<String> comments) {
        SshWireWriter out = new SshWireWriter().writeByte(SSH_AGENT_IDENTITIES_ANSWER).writeUint32(blobs.size());
        for (int i = 0; i < blobs.size(); i++) {
            out.writeString(blobs.get(i)).writeString(comments.get(i));
        }
        return out.toByteArray();
    }
}
