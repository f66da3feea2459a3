package org.tpmssh.cli.keys;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.Swtpm;

/**
 * One relaxed swtpm per test class, and a fresh folder (store, key files, sshd) per test. Tests
 * of one class share the TPM, as a user's successive commands do; each test has its own store.
 */
abstract class SwtpmCliTest {
    static Swtpm swtpm;

    @TempDir
    Path dir;

    @BeforeAll
    static void startTpm() throws Exception {
        swtpm = Cli.relaxedSwtpm();
    }

    @AfterAll
    static void stopTpm() {
        if (swtpm != null) {
            swtpm.close();
            swtpm = null;
        }
    }

    /** The tpmssh command against this class's swtpm and this test's store. */
    Cli cli() {
        return new Cli(swtpm, dir.resolve("store"));
    }
}
