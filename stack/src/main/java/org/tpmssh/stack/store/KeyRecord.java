package org.tpmssh.stack.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import org.tpmssh.tpm.marshal.TpmFormatException;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * One key as stored in tokens/&lt;token&gt;/keys/&lt;id&gt;.json: its TPM blobs and what a person needs to
 * recognise it.
 *
 * @param id       16 random hex digits; also the PKCS#11 CKA_ID
 * @param pinless  the key's authValue is empty (and the key is noDA)
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record KeyRecord(String id, String label, String algorithm, String origin, boolean pinless,
        ParentKind parent, byte[] publicArea, byte[] privateBlob, String comment, String created) {

    public static final String CREATED = "created";
    public static final String IMPORTED = "imported";

    public KeyRecord {
        if (id == null || !id.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("a key id is 16 lower-case hex digits");
        }
        Names.checkLabel(label, "key label");
        if (!CREATED.equals(origin) && !IMPORTED.equals(origin)) {
            throw new IllegalArgumentException("a key's origin is created or imported, not " + origin);
        }
        if (publicArea == null || privateBlob == null || parent == null) {
            throw new IllegalArgumentException("a key record needs its parent, public area and private blob");
        }
        comment = comment == null ? "" : comment;
    }

    /** A fresh random key id. */
    public static String newId() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** A record for a key the caller made or imported now. */
    public static KeyRecord of(String label, String algorithm, String origin, boolean pinless, ParentKind parent,
            TpmtPublic publicArea, byte[] privateBlob, String comment) {
        return new KeyRecord(newId(), label, algorithm, origin, pinless, parent, publicArea.toBytes(),
                privateBlob.clone(), comment, now());
    }

    public TpmtPublic tpmPublic() throws TpmFormatException {
        return TpmtPublic.fromBytes(publicArea);
    }

    @Override
    public String toString() {
        return "KeyRecord[" + id + " " + label + " " + algorithm + "]";
    }
}
