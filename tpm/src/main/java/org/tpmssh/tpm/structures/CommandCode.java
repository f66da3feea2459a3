package org.tpmssh.tpm.structures;

/** TPM_CC values of the commands this layer sends. */
public final class CommandCode {
    private CommandCode() {
    }

    public static final int EVICT_CONTROL = 0x00000120;
    public static final int CREATE_PRIMARY = 0x00000131;
    public static final int DICTIONARY_ATTACK_LOCK_RESET = 0x00000139;
    public static final int DICTIONARY_ATTACK_PARAMETERS = 0x0000013A;
    public static final int STARTUP = 0x00000144;
    public static final int SHUTDOWN = 0x00000145;
    public static final int CREATE = 0x00000153;
    public static final int LOAD = 0x00000157;
    public static final int SIGN = 0x0000015D;
    public static final int UNSEAL = 0x0000015E;
    public static final int IMPORT = 0x00000156;
    public static final int CONTEXT_LOAD = 0x00000161;
    public static final int CONTEXT_SAVE = 0x00000162;
    public static final int FLUSH_CONTEXT = 0x00000165;
    public static final int READ_PUBLIC = 0x00000173;
    public static final int START_AUTH_SESSION = 0x00000176;
    public static final int GET_CAPABILITY = 0x0000017A;
    public static final int GET_RANDOM = 0x0000017B;
}
