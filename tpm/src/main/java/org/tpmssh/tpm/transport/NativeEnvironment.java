package org.tpmssh.tpm.transport;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * What native TCTI modules read from the process rather than from us: the C environment (which Java's
 * {@code System.getenv} does not write) and GLib's log output. Used only on the TCTI loader path.
 */
final class NativeEnvironment {

    /** tpm2-tss's logging switch; unset, its modules print ERROR lines of their own beside our one sentence. */
    static final String TSS2_LOG = "TSS2_LOG";

    private static final System.Logger LOG = System.getLogger(TctiLoaderTransport.class.getName());

    interface C extends Library {
        int setenv(String name, String value, int overwrite);
    }

    interface GLib extends Library {
        /** GLogFunc. */
        interface LogFunc extends Callback {
            void invoke(String domain, int level, String message, Pointer userData);
        }

        Pointer g_log_set_default_handler(LogFunc handler, Pointer userData);
    }

    /** Kept for the life of the process: GLib calls it from its own threads. */
    private static final GLib.LogFunc TO_SYSTEM_LOGGER = (domain, level, message, userData) ->
            LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", domain == null ? "glib" : domain, message);

    private static boolean quiet;

    private NativeEnvironment() {
    }

    /**
     * Routes tpm2-tss's and GLib's own messages (the tabrmd module prints CRITICAL lines when it cannot reach
     * tpm2-abrmd) to our logger at DEBUG, so a user sees our one sentence; TSS2_LOG, when set, is respected.
     */
    static synchronized void quietNativeLogs() {
        if (quiet) {
            return;
        }
        quiet = true;
        set(TSS2_LOG, "all+NONE", false);
        try {
            Native.load("libglib-2.0.so.0", GLib.class).g_log_set_default_handler(TO_SYSTEM_LOGGER, null);
        } catch (UnsatisfiedLinkError noGlib) {
            // Only the tabrmd module uses GLib; without GLib there is nothing to quieten.
        }
    }

    /** Sets a variable in the process's C environment, where native libraries look it up. */
    static void set(String name, String value, boolean overwrite) {
        Native.load("c", C.class).setenv(name, value, overwrite ? 1 : 0);
    }
}
