package org.tpmssh.stack.ssh;

import org.tpmssh.stack.pin.PinIncorrectException;
import org.tpmssh.stack.pin.PinLockedException;

/**
 * An {@link AgentKey} that needs a PIN for every signature, which its caller finds and passes in; keys of one
 * token share a {@link #pinScope()}.
 */
public interface PinProtectedKey extends AgentKey {

    /** Which PIN this key needs, typically the token label; shown to the user, never secret. */
    String pinScope();

    /**
     * Signs as {@link AgentKey#sign(byte[], int)} does, with {@code pin}. The caller wipes
     * {@code pin} afterwards; the key must not keep it.
     *
     * @throws PinIncorrectException the TPM refused the PIN; the agent forgets its cached copy
     * @throws PinLockedException the TPM is in dictionary-attack lockout; no PIN is tried
     */
    byte[] sign(byte[] data, int flags, char[] pin)
            throws AgentSignException, PinIncorrectException, PinLockedException;

    /** Without a PIN such a key cannot sign; the agent always calls the PIN overload. */
    @Override
    default byte[] sign(byte[] data, int flags) throws AgentSignException {
        throw new AgentSignException("key \"" + comment() + "\" needs the PIN of " + pinScope());
    }
}
