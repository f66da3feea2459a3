package org.tpmssh.stack.agent;

import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.ssh.AgentSignException;

/**
 * A test key that fakes how a key signs (a TPM that has gone away, a buggy key, a busy TPM or a person answering
 * askpass) around a real software key, which keeps its public key and comment.
 */
record ScriptedKey(AgentKey real, ScriptedKey.Behaviour behaviour) implements AgentKey {

    /** How a {@link ScriptedKey} signs: a fault to inject, or a detour around the real key. */
    @FunctionalInterface
    interface Behaviour {
        byte[] sign(AgentKey real, byte[] data, int flags) throws AgentSignException;
    }

    @Override
    public byte[] publicKeyBlob() {
        return real.publicKeyBlob();
    }

    @Override
    public String comment() {
        return real.comment();
    }

    @Override
    public byte[] sign(byte[] data, int flags) throws AgentSignException {
        return behaviour.sign(real, data, flags);
    }
}
