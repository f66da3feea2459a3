package org.tpmssh.stack.store;

import java.util.List;

/**
 * What a listing of the store found: the records that read well, and the files that did not. A
 * damaged file never hides the healthy records next to it.
 */
public record StoreListing<T>(List<T> records, List<DamagedFile> damaged) {
    public StoreListing {
        records = List.copyOf(records);
        damaged = List.copyOf(damaged);
    }
}
