package org.tpmssh.stack.tpm2pkcs11;

import java.util.List;

/**
 * One tpm2-pkcs11 token: its label, the primary its keys live under, how its user PIN is set up, and its
 * private keys.
 *
 * @param emptyUserPin tpm2_ptool addtoken was given an empty user PIN ({@code empty-user-pin})
 * @param userPinSet   a user seal object exists (false: only the SO PIN was set, C_InitPIN still due)
 */
public record Tpm2Pkcs11Token(int id, int primaryId, String label, boolean emptyUserPin, boolean userPinSet,
        List<Tpm2Pkcs11Key> keys) {
    public Tpm2Pkcs11Token {
        keys = List.copyOf(keys);
    }
}
