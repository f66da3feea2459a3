package org.tpmssh.stack.agent;

/**
 * The ssh-agent protocol's message and constraint numbers (draft-miller-ssh-agent section 6.1) that tpmssh
 * speaks, and its frame limit.
 */
public final class AgentMessages {

    public static final int SSH_AGENT_FAILURE = 5;
    public static final int SSH_AGENT_SUCCESS = 6;
    public static final int SSH_AGENTC_REQUEST_IDENTITIES = 11;
    public static final int SSH_AGENT_IDENTITIES_ANSWER = 12;
    public static final int SSH_AGENTC_SIGN_REQUEST = 13;
    public static final int SSH_AGENT_SIGN_RESPONSE = 14;
    public static final int SSH_AGENTC_ADD_IDENTITY = 17;
    public static final int SSH_AGENTC_REMOVE_IDENTITY = 18;
    public static final int SSH_AGENTC_REMOVE_ALL_IDENTITIES = 19;
    public static final int SSH_AGENTC_LOCK = 22;
    public static final int SSH_AGENTC_UNLOCK = 23;
    public static final int SSH_AGENTC_ADD_ID_CONSTRAINED = 25;
    public static final int SSH_AGENTC_EXTENSION = 27;

    public static final int SSH_AGENT_CONSTRAIN_LIFETIME = 1;
    public static final int SSH_AGENT_CONSTRAIN_CONFIRM = 2;
    public static final int SSH_AGENT_CONSTRAIN_EXTENSION = 255;

    /** OpenSSH binds a connection to the SSH session it authenticates (PROTOCOL.agent). */
    public static final String SESSION_BIND = "session-bind@openssh.com";

    /** OpenSSH's own agent uses the same cap; nothing legitimate we serve comes close. */
    public static final int MAX_MESSAGE_BYTES = 256 * 1024;

    private AgentMessages() {
    }

    static byte[] failure() {
        return new byte[] {SSH_AGENT_FAILURE};
    }

    static byte[] success() {
        return new byte[] {SSH_AGENT_SUCCESS};
    }
}
