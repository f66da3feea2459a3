package org.tpmssh.stack.store;

/**
 * One token as stored in tokens/&lt;label&gt;/token.json. A PIN token keeps its random token secret
 * sealed twice in the TPM (under the user PIN's and the SO PIN's authValue); only those TPM blobs
 * and a per-token salt are here, never a PIN hash or verifier. A PIN-less token has no seals.
 *
 * @param salt     random, mixed into both PINs' authValues so equal PINs on two tokens differ
 * @param userSeal the token secret sealed under the user PIN (null for a PIN-less token)
 * @param soSeal   the token secret sealed under the SO PIN (null for a PIN-less token)
 * @param parentName the TPM Name of the storage key the token was made under; it differs on every
 *                 other TPM (and after a TPM clear), so a token knows the TPM it belongs to. Null in
 *                 stores written before it was kept.
 */
public record TokenRecord(String label, boolean pinless, ParentKind parent, byte[] salt, Seal userSeal,
        Seal soSeal, String created, byte[] parentName) {

    /** A sealed-data object: its TPM public area and private blob. */
    public record Seal(byte[] publicArea, byte[] privateBlob) {
        public Seal {
            if (publicArea == null || privateBlob == null) {
                throw new IllegalArgumentException("a seal needs its public area and private blob");
            }
        }
    }

    public TokenRecord {
        Names.checkLabel(label, "token label");
        if (parent == null) {
            throw new IllegalArgumentException("a token needs a parent kind");
        }
        if (!pinless && (userSeal == null || soSeal == null || salt == null)) {
            throw new IllegalArgumentException("a PIN token needs its salt and both seals");
        }
    }

    public TokenRecord withUserSeal(Seal s) {
        return new TokenRecord(label, pinless, parent, salt, s, soSeal, created, parentName);
    }

    public TokenRecord withSoSeal(Seal s) {
        return new TokenRecord(label, pinless, parent, salt, userSeal, s, created, parentName);
    }

    @Override
    public String toString() {
        return "TokenRecord[" + label + (pinless ? " pin-less" : "") + "]";
    }
}
