package org.tpmssh.tpm.commands;

import java.util.List;
import org.tpmssh.tpm.TpmException;
import org.tpmssh.tpm.marshal.TpmWriter;
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

    /** Clears the failure counter and leaves lockout. */
    public static void lockReset(Tpm tpm, AuthHandle lockout) throws TpmException {
        tpm.execute(CommandCode.DICTIONARY_ATTACK_LOCK_RESET, List.of(lockout), List.of(), new byte[0], false, 0,
                false);
    }
}
