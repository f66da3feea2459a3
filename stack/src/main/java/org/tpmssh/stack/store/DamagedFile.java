package org.tpmssh.stack.store;

import java.nio.file.Path;

/**
 * A store file that could not be read as what it should be. The store reports it and leaves it
 * exactly as it is; everything else in the store keeps working.
 *
 * @param file    the file (or the directory standing where a file should be)
 * @param problem what is wrong, phrased to follow the path, e.g. "is empty"
 */
public record DamagedFile(Path file, String problem) {

    /** One sentence: the path, then what is wrong with it. */
    public String message() {
        return file + " " + problem;
    }
}
