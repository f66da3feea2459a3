package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmWriter;
import org.tpmssh.tpm.sessions.Session;
import org.tpmssh.tpm.structures.CommandCode;

/** TPM2_DictionaryAttackParameters and TPM2_DictionaryAttackLockReset, both authorized by lockout. */
public final class DictionaryAttack {
    private DictionaryAttack() {
    }

    /** Sets how many failures lock out, the seconds to forget one, and the lockout-auth recovery time. */
    public static void parameters(Tpm tpm, AuthHandle lockout, int maxTries, int recoveryTime, int lockoutRecovery)
            throws TpmException {
        byte[] p = new TpmWriter(12).u32(maxTries).u32(recoveryTime).u32(lockoutRecovery).toByteArray();
        tpm.execute(CommandCode.DICTIONARY_ATTACK_PARAMETERS, List.of(lockout), List.of(), p, false, 0, false);
    }

    /**
     * Raises the limits of a simulator this process started itself (empty lockout authorization):
     * 1000 failures before lockout, each forgotten after 1 s. A fresh swtpm locks out after 3
     * failures for 1000 s, which would stall any suite that tests a wrong PIN. Never call this on
     * a TPM that belongs to someone else, such as a lab machine's.
     */
    public static void relaxForOwnSimulator(Tpm tpm) throws TpmException {
        parameters(tpm, AuthHandle.lockout(null, Session.password()), 1000, 1, 1);
    }

    /** Clears the failure counter and leaves lockout. */
    public static void lockReset(Tpm tpm, AuthHandle lockout) throws TpmException {
        tpm.execute(CommandCode.DICTIONARY_ATTACK_LOCK_RESET, List.of(lockout), List.of(), new byte[0], false, 0,
                false);
    }
}
