package org.tpmssh.stack.agent;

import static org.tpmssh.stack.agent.AgentMessages.SSH_AGENT_SIGN_RESPONSE;
import static org.tpmssh.stack.agent.SshAgentServer.LOG;

import java.lang.System.Logger.Level;
import org.tpmssh.stack.pin.PinException;
import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;
import org.tpmssh.stack.ssh.PinProtectedKey;
import org.tpmssh.stack.ssh.SshSignatureAlgorithm;
import org.tpmssh.stack.ssh.SshWireFormatException;
import org.tpmssh.stack.ssh.SshWireReader;
import org.tpmssh.stack.ssh.SshWireWriter;

/**
 * Answers sign requests: checks the session binding, the SHA-1 rule and any confirmation, then signs, with a
 * PIN when the key needs one.
 */
final class SignHandler {

    private final KeyTable keys;
    private final AgentOptions options;
    private final Confirmation confirmation;
    private final TpmOutage outage = new TpmOutage();

    SignHandler(KeyTable keys, AgentOptions options) {
        this.keys = keys;
        this.options = options;
        this.confirmation = new Confirmation(options.askpass());
    }

    byte[] sign(Connection connection, SshWireReader reader, byte[] request) throws SshWireFormatException {
        byte[] blob = reader.readString();
        byte[] data = reader.readString();
        int flags = (int) reader.readUint32();
        reader.requireEnd("sign request");
        KeyTable.Entry entry;
        try {
            entry = keys.current().get(KeyTable.id(blob));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "agent: the key supplier failed: {0}", e.toString());
            return AgentMessages.failure();
        }
        if (entry == null) {
            if (connection.hasUpstream()) {
                byte[] answer = connection.forward(request);
                return answer == null ? AgentMessages.failure() : answer;
            }
            LOG.log(Level.INFO, "agent: sign request for a key this agent does not hold ({0}-byte blob)",
                    blob.length);
            return AgentMessages.failure();
        }
        AgentKey key = entry.key();
        if (!SessionBindHandler.permits(connection, data)) {
            LOG.log(Level.WARNING, "agent: refusing to sign with \"{0}\": the data names another SSH session"
                    + " than this connection is bound to", key.comment());
            return AgentMessages.failure();
        }
        if (!options.allowSha1Rsa() && asksForSha1(blob, flags)) {
            LOG.log(Level.WARNING, "agent: refusing an ssh-rsa (SHA-1) signature with \"{0}\"; the client must ask"
                    + " for rsa-sha2-256 or rsa-sha2-512, or the agent must be configured to allow SHA-1",
                    key.comment());
            return AgentMessages.failure();
        }
        if (entry.confirm() && !confirmation.allowed(key)) {
            return AgentMessages.failure();
        }
        // Keys added with ssh-add live in memory; the outage is the supplied keys' device's.
        TpmOutage.Turn turn = entry.added() ? TpmOutage.Turn.ASK : outage.begin();
        if (turn == TpmOutage.Turn.SKIP) {
            LOG.log(Level.DEBUG, "agent: key \"{0}\" not tried: its TPM is out of reach and another request is"
                    + " trying it", key.comment());
            return AgentMessages.failure();
        }
        TpmOutage.Outcome outcome = TpmOutage.Outcome.OTHER;
        String why = null;
        try {
            byte[] signature = key instanceof PinProtectedKey pk
                    ? options.pins().withPin(pk.pinScope(), pk.comment(), pin -> pk.sign(data, flags, pin))
                    : key.sign(data, flags);
            outcome = TpmOutage.Outcome.SIGNED;
            LOG.log(Level.DEBUG, "agent: signed {0} bytes with \"{1}\" (flags {2})", data.length, key.comment(),
                    Integer.toUnsignedString(flags));
            return new SshWireWriter().writeByte(SSH_AGENT_SIGN_RESPONSE).writeString(signature).toByteArray();
        } catch (PinIncorrectException e) {
            return AgentMessages.failure(); // the PIN resolver said why, once per wrong PIN
        } catch (AgentSignException e) {
            if (e.deviceUnreachable() && !entry.added()) {
                outcome = TpmOutage.Outcome.UNREACHABLE;
                why = e.getMessage();
            } else {
                LOG.log(Level.WARNING, "agent: key \"{0}\" could not sign: {1}", key.comment(), e.getMessage());
            }
            return AgentMessages.failure();
        } catch (PinException e) {
            LOG.log(Level.WARNING, "agent: key \"{0}\" could not sign: {1}", key.comment(), e.getMessage());
            return AgentMessages.failure();
        } catch (RuntimeException e) {
            // A bug in a key must cost one failed signature, not the connection or the server.
            LOG.log(Level.ERROR, "agent: key \"{0}\" failed unexpectedly: {1}", key.comment(), e.toString());
            return AgentMessages.failure();
        } finally {
            if (!entry.added()) {
                outage.end(turn, outcome, why);
            }
        }
    }

    /** The SHA-1 rule's question; a key type we cannot sign with is left to the key to refuse. */
    private static boolean asksForSha1(byte[] blob, int flags) {
        try {
            return SshSignatureAlgorithm.forRequest(blob, flags).isSha1();
        } catch (SshWireFormatException e) {
            return false;
        }
    }
}
