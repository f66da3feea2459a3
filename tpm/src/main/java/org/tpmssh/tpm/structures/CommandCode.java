package org.tpmssh.tpm.structures;

import java.util.HashMap;
import java.util.Map;

/** TPM_CC values of the commands this layer sends, and the names of every TPM 2.0 command (Part 2, 6.5.2). */
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
    public static final int ECDH_ZGEN = 0x00000154;
    public static final int RSA_DECRYPT = 0x00000159;
    public static final int HMAC_START = 0x0000015B;
    public static final int LOAD_EXTERNAL = 0x00000167;
    public static final int RSA_ENCRYPT = 0x00000174;
    public static final int VERIFY_SIGNATURE = 0x00000177;
    public static final int HASH_SEQUENCE_START = 0x00000186;
    public static final int TEST_PARMS = 0x0000018A;
    public static final int CREATE_LOADED = 0x00000191;

    private static final Map<Integer, String> NAMES = new HashMap<>();

    static {
        String[] names = {
            "11F NV_UndefineSpaceSpecial", "120 EvictControl", "121 HierarchyControl", "122 NV_UndefineSpace",
            "124 ChangeEPS", "125 ChangePPS", "126 Clear", "127 ClearControl", "128 ClockSet",
            "129 HierarchyChangeAuth", "12A NV_DefineSpace", "12B PCR_Allocate", "12C PCR_SetAuthPolicy",
            "12D PP_Commands", "12E SetPrimaryPolicy", "12F FieldUpgradeStart", "130 ClockRateAdjust",
            "131 CreatePrimary", "132 NV_GlobalWriteLock", "133 GetCommandAuditDigest", "134 NV_Increment",
            "135 NV_SetBits", "136 NV_Extend", "137 NV_Write", "138 NV_WriteLock", "139 DictionaryAttackLockReset",
            "13A DictionaryAttackParameters", "13B NV_ChangeAuth", "13C PCR_Event", "13D PCR_Reset",
            "13E SequenceComplete", "13F SetAlgorithmSet", "140 SetCommandCodeAuditStatus", "141 FieldUpgradeData",
            "142 IncrementalSelfTest", "143 SelfTest", "144 Startup", "145 Shutdown", "146 StirRandom",
            "147 ActivateCredential", "148 Certify", "149 PolicyNV", "14A CertifyCreation", "14B Duplicate",
            "14C GetTime", "14D GetSessionAuditDigest", "14E NV_Read", "14F NV_ReadLock", "150 ObjectChangeAuth",
            "151 PolicySecret", "152 Rewrap", "153 Create", "154 ECDH_ZGen", "155 HMAC", "156 Import", "157 Load",
            "158 Quote", "159 RSA_Decrypt", "15B HMAC_Start", "15C SequenceUpdate", "15D Sign", "15E Unseal",
            "160 PolicySigned", "161 ContextLoad", "162 ContextSave", "163 ECDH_KeyGen", "164 EncryptDecrypt",
            "165 FlushContext", "167 LoadExternal", "168 MakeCredential", "169 NV_ReadPublic", "16A PolicyAuthorize",
            "16B PolicyAuthValue", "16C PolicyCommandCode", "16D PolicyCounterTimer", "16E PolicyCpHash",
            "16F PolicyLocality", "170 PolicyNameHash", "171 PolicyOR", "172 PolicyTicket", "173 ReadPublic",
            "174 RSA_Encrypt", "176 StartAuthSession", "177 VerifySignature", "178 ECC_Parameters",
            "179 FirmwareRead", "17A GetCapability", "17B GetRandom", "17C GetTestResult", "17D Hash",
            "17E PCR_Read", "17F PolicyPCR", "180 PolicyRestart", "181 ReadClock", "182 PCR_Extend",
            "183 PCR_SetAuthValue", "184 NV_Certify", "185 EventSequenceComplete", "186 HashSequenceStart",
            "187 PolicyPhysicalPresence", "188 PolicyDuplicationSelect", "189 PolicyGetDigest", "18A TestParms",
            "18B Commit", "18C PolicyPassword", "18D ZGen_2Phase", "18E EC_Ephemeral", "18F PolicyNvWritten",
            "190 PolicyTemplate", "191 CreateLoaded", "192 PolicyAuthorizeNV", "193 EncryptDecrypt2",
            "194 AC_GetCapability", "195 AC_Send", "196 Policy_AC_SendSelect", "197 CertifyX509",
            "198 ACT_SetTimeout", "199 ECC_Encrypt", "19A ECC_Decrypt",
        };
        for (String e : names) {
            NAMES.put(Integer.parseInt(e.substring(0, 3), 16), e.substring(4));
        }
    }

    /** The command's name without the TPM2_ prefix, e.g. {@code Sign}; vendor and unknown codes as hex. */
    public static String name(int commandCode) {
        String n = NAMES.get(commandCode);
        return n != null ? n : String.format("0x%08X", commandCode);
    }
}
