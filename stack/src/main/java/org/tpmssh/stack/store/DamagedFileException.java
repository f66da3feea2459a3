package org.tpmssh.stack.store;

/** A record that was asked for by name is in a damaged file; the file is left as it is. */
public final class DamagedFileException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final transient DamagedFile damage;

    public DamagedFileException(DamagedFile damage) {
        super(damage.message() + "; it was left as it is, and `tpmssh token check` says what can be recovered");
        this.damage = damage;
    }

    public DamagedFile damage() {
        return damage;
    }
}
