package org.tpmssh.stack.store;

/**
 * One token as stored in tokens/&lt;label&gt;/token.json: the TPM blobs of its two seals and a salt, never a
 * PIN hash or verifier (docs/SECURITY.md).
 *
 * @param parentName the Name of the storage key the token was made under, which ties it to one TPM;
 *     null in older stores
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
