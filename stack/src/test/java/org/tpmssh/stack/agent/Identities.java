package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_IDENTITIES_ANSWER;

import java.util.ArrayList;
import java.util.List;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;

/** Reads an identities answer as ssh-add -L does: the key blobs and comments, in order. */
final class Identities {

    private Identities() {
    }

    static List<byte[]> blobs(byte[] answer) throws SshWireFormatException {
        List<byte[]> blobs = new ArrayList<>();
        SshWireReader reader = reader(answer);
        for (long i = reader.readUint32(); i > 0; i--) {
            blobs.add(reader.readString());
            reader.readUtf8();
        }
        reader.requireEnd("identities answer");
        return blobs;
    }

    static List<String> comments(byte[] answer) throws SshWireFormatException {
        List<String> comments = new ArrayList<>();
        SshWireReader reader = reader(answer);
        for (long i = reader.readUint32(); i > 0; i--) {
            reader.readString();
            comments.add(reader.readUtf8());
        }
        reader.requireEnd("identities answer");
        return comments;
    }

    private static SshWireReader reader(byte[] answer) throws SshWireFormatException {
        if (answer.length == 0 || answer[0] != SSH_AGENT_IDENTITIES_ANSWER) {
            throw new SshWireFormatException("not an identities answer: type " + (answer.length == 0 ? -1 : answer[0]));
        }
        return new SshWireReader(answer, 1, answer.length - 1);
    }
}
