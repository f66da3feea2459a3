package org.tpmssh.tpm.objects;

import org.tpmssh.tpm.commands.SavedContext;
import org.tpmssh.tpm.structures.TpmtPublic;

/**
 * One key the {@link ObjectCache} can bring into the TPM, a primary or a child blob; callers hold
 * it, never a raw handle, because the handle changes each time the object is reloaded.
 */
public final class TpmObject {
    /** How to make the object exist again from scratch. */
    public sealed interface Source permits Primary, Child {
    }

    /** CreatePrimary under a hierarchy (empty hierarchy auth) with this template. */
    public record Primary(int hierarchy, TpmtPublic template) implements Source {
    }

    /** Load of a private blob under a parent that has an empty authValue (our storage keys). */
    public record Child(TpmObject parent, byte[] privateBlob) implements Source {
    }

    final Source source;
    final TpmtPublic publicArea;
    final byte[] name;
    final String label;
    int handle;           // 0 when not loaded
    SavedContext saved;   // still valid until the TPM restarts
    long lastUsed;
    int pins;
    boolean released;

    TpmObject(Source source, TpmtPublic publicArea, String label) {
        this.source = source;
        this.publicArea = publicArea;
        this.name = publicArea.name();
        this.label = label;
    }

    public TpmtPublic publicArea() {
        return publicArea;
    }

    /** The object's Name, stable across reloads. */
    public byte[] name() {
        return name.clone();
    }

    public String label() {
        return label;
    }

    /**
     * The private blob of a child key (a copy), so a caller can store it and {@code register} it again after
     * the TPM restarts; empty for a primary, which is re-created from its template instead.
     */
    public java.util.Optional<byte[]> privateBlob() {
        return source instanceof Child child ? java.util.Optional.of(child.privateBlob().clone())
                : java.util.Optional.empty();
    }

    @Override
    public String toString() {
        return "TpmObject[" + label + (handle != 0 ? String.format(" @0x%08x", handle) : "") + "]";
    }
}
