package org.tpmssh.stack.p11kit;

import java.util.Optional;

/**
 * The calls of p11-kit's RPC protocol, version 0 (p11-kit 0.24, rpc-message.h): each call's id on
 * the wire and the signatures of its request and response. A signature spells the arguments in
 * order: {@code y} byte, {@code u} ulong (8 bytes), {@code ay} byte array, {@code fy} the length
 * of the caller's byte buffer, {@code au}/{@code fu} ulong array/buffer, {@code aA}/{@code fA}
 * attribute array/buffer, {@code M} mechanism, {@code z} string, {@code s} space-padded string,
 * {@code v} version.
 */
public enum RpcCall {
    ERROR(null, "u"),
    C_Initialize("ayyay", ""),
    C_Finalize("", ""),
    C_GetInfo("", "vsusv"),
    C_GetSlotList("yfu", "au"),
    C_GetSlotInfo("u", "ssuvv"),
    C_GetTokenInfo("u", "ssssuuuuuuuuuuuvvs"),
    C_GetMechanismList("ufu", "au"),
    C_GetMechanismInfo("uu", "uuu"),
    C_InitToken("uayz", ""),
    C_OpenSession("uu", "u"),
    C_CloseSession("u", ""),
    C_CloseAllSessions("u", ""),
    C_GetSessionInfo("u", "uuuu"),
    C_InitPIN("uay", ""),
    C_SetPIN("uayay", ""),
    C_GetOperationState("ufy", "ay"),
    C_SetOperationState("uayuu", ""),
    C_Login("uuay", ""),
    C_Logout("u", ""),
    C_CreateObject("uaA", "u"),
    C_CopyObject("uuaA", "u"),
    C_DestroyObject("uu", ""),
    C_GetObjectSize("uu", "u"),
    C_GetAttributeValue("uufA", "aAu"),
    C_SetAttributeValue("uuaA", ""),
    C_FindObjectsInit("uaA", ""),
    C_FindObjects("ufu", "au"),
    C_FindObjectsFinal("u", ""),
    C_EncryptInit("uMu", ""),
    C_Encrypt("uayfy", "ay"),
    C_EncryptUpdate("uayfy", "ay"),
    C_EncryptFinal("ufy", "ay"),
    C_DecryptInit("uMu", ""),
    C_Decrypt("uayfy", "ay"),
    C_DecryptUpdate("uayfy", "ay"),
    C_DecryptFinal("ufy", "ay"),
    C_DigestInit("uM", ""),
    C_Digest("uayfy", "ay"),
    C_DigestUpdate("uay", ""),
    C_DigestKey("uu", ""),
    C_DigestFinal("ufy", "ay"),
    C_SignInit("uMu", ""),
    C_Sign("uayfy", "ay"),
    C_SignUpdate("uay", ""),
    C_SignFinal("ufy", "ay"),
    C_SignRecoverInit("uMu", ""),
    C_SignRecover("uayfy", "ay"),
    C_VerifyInit("uMu", ""),
    C_Verify("uayay", ""),
    C_VerifyUpdate("uay", ""),
    C_VerifyFinal("uay", ""),
    C_VerifyRecoverInit("uMu", ""),
    C_VerifyRecover("uayfy", "ay"),
    C_DigestEncryptUpdate("uayfy", "ay"),
    C_DecryptDigestUpdate("uayfy", "ay"),
    C_SignEncryptUpdate("uayfy", "ay"),
    C_DecryptVerifyUpdate("uayfy", "ay"),
    C_GenerateKey("uMaA", "u"),
    C_GenerateKeyPair("uMaAaA", "uu"),
    C_WrapKey("uMuufy", "ay"),
    C_UnwrapKey("uMuayaA", "u"),
    C_DeriveKey("uMuaA", "u"),
    C_SeedRandom("uay", ""),
    C_GenerateRandom("ufy", "ay"),
    C_WaitForSlotEvent("u", "u");

    private static final RpcCall[] BY_ID = values();

    private final String request;
    private final String response;

    RpcCall(String request, String response) {
        this.request = request;
        this.response = response;
    }

    /** The call's number on the wire: its position in p11-kit's table. */
    public int id() {
        return ordinal();
    }

    /** The request signature; null for {@link #ERROR}, which only servers send. */
    public String request() {
        return request;
    }

    public String response() {
        return response;
    }

    public static Optional<RpcCall> of(long id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[(int) id]) : Optional.empty();
    }
}
