package org.tpmssh.stack.store;

import java.nio.file.Path;

/** Where the token store lives: an explicit path, else TPMSSH_STORE, else $XDG_DATA_HOME/tpmssh, else ~/.local/share/tpmssh. */
public final class StorePaths {
    private StorePaths() {
    }

    public static Path resolve(Path explicitOrNull) {
        return resolve(explicitOrNull, System.getenv("TPMSSH_STORE"), System.getenv("XDG_DATA_HOME"),
                System.getProperty("user.home"));
    }

    static Path resolve(Path explicit, String envStore, String xdgDataHome, String home) {
        if (explicit != null) {
            return explicit.toAbsolutePath();
        }
        if (envStore != null && !envStore.isBlank()) {
            return Path.of(envStore).toAbsolutePath();
        }
        // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
        if (xdgDataHome != null && !xdgDataHome.isBlank() && Path.of(xdgDataHome).isAbsolute()) {
            return Path.of(xdgDataHome, "tpmssh");
        }
        return Path.of(home, ".local", "share", "tpmssh");
    }
}
