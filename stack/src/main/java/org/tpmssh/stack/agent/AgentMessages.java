package org.tpmssh.stack.agent;

/**
 * Message numbers of the ssh-agent protocol (draft-miller-ssh-agent section 6.1) that tpmssh
 * speaks, and the frame limit it enforces.
 */
public final class AgentMessages {

    public static final int SSH_AGENT_FAILURE = 5;
    public static final int SSH_AGENT_SUCCESS = 6;
    public static final int SSH_AGENTC_REQUEST_IDENTITIES = 11;
    public static final int SSH_AGENT_IDENTITIES_ANSWER = 12;
    public static final int SSH_AGENTC_SIGN_REQUEST = 13;
    public static final int SSH_AGENT_SIGN_RESPONSE = 14;

    /** OpenSSH's own agent uses the same cap; nothing legitimate we serve comes close. */
    public static final int MAX_MESSAGE_BYTES = 256 * 1024;

    private AgentMessages() {
    }
}
