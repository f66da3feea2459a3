package org.tpmssh.harness.backends;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/** Removes the harness's temp directories (a backend's stack dir, a class's servers, a run's work dir) with their contents. */
public final class TempDirs {
    private TempDirs() {
    }

    public static void delete(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Already gone, or a socket vanished under us: nothing of ours is left to delete.
        }
    }
}
