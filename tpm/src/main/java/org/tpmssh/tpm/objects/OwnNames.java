package org.tpmssh.tpm.objects;

import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * The Names of objects a caller can prove are its own (its storage keys, and the blobs it keeps, as the token
 * store knows them): the only transient objects {@link Leftovers} may flush when another process left them loaded.
 */
public final class OwnNames {
    private static final OwnNames NONE = new OwnNames(Set.of());

    private final Set<String> names;

    private OwnNames(Set<String> names) {
        this.names = names;
    }

    public static OwnNames none() {
        return NONE;
    }

    /** The given Names (nameAlg || digest, as TPM2_ReadPublic returns them); null entries are skipped. */
    public static OwnNames of(Collection<byte[]> names) {
        Set<String> s = new HashSet<>();
        for (byte[] n : names) {
            if (n != null && n.length > 0) {
                s.add(HexFormat.of().formatHex(n));
            }
        }
        return new OwnNames(Set.copyOf(s));
    }

    /** These Names and {@code more}. */
    public OwnNames plus(Collection<byte[]> more) {
        Set<String> s = new HashSet<>(names);
        s.addAll(of(more).names);
        return new OwnNames(Set.copyOf(s));
    }

    public boolean contains(byte[] name) {
        return name != null && names.contains(HexFormat.of().formatHex(name));
    }

    public int size() {
        return names.size();
    }

    @Override
    public String toString() {
        return "OwnNames[" + names.size() + "]";
    }
}
