package org.tpmssh.stack.store;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A second process for the lock test: tries, without waiting, to take the lock a store's writers take on the
 * file args[0], and prints "held" when another process has it, else "free".
 */
public final class StoreLockProbe {
    private StoreLockProbe() {
    }

    public static void main(String[] args) throws Exception {
        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
                FileLock lock = ch.tryLock()) {
            System.out.println(lock == null ? "held" : "free");
        }
    }
}
