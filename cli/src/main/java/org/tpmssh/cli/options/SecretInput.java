package org.tpmssh.cli.options;

import java.io.Console;
import java.nio.file.Path;
import java.util.Map;
import org.tpmssh.cli.options.PinFiles.PinFileException;

/**
 * Where a PIN or passphrase comes from, in one order for every verb: its file option, TPMSSH_PIN
 * (user PIN only), a console prompt, else an error naming the options (docs/cli.md).
 */
public final class SecretInput {
    /** The environment variable a user PIN may come from, as in the agent. */
    public static final String PIN_VARIABLE = "TPMSSH_PIN";

    private final Map<String, String> environment;
    private final Console console;

    public SecretInput(Map<String, String> environment, Console console) {
        this.environment = environment;
        this.console = console;
    }

    /** The process's own environment and terminal. */
    public static SecretInput system() {
        return new SecretInput(System.getenv(), System.console());
    }

    /**
     * A secret the caller wipes.
     *
     * @param file       the file option's value, or null
     * @param what       e.g. "user PIN", used in prompts and errors
     * @param option     the file option's name, e.g. "--user-pin-file"
     * @param fromEnv    whether TPMSSH_PIN may supply it (the user PIN only)
     */
    public char[] read(Path file, String what, String option, boolean fromEnv) throws PinFileException {
        return read(file, what, option, fromEnv, null);
    }

    /** As {@link #read(Path, String, String, boolean)}; {@code alternative} ends the error, e.g. "use --no-pin …". */
    public char[] read(Path file, String what, String option, boolean fromEnv, String alternative)
            throws PinFileException {
        if (file != null) {
            return PinFiles.read(file, what);
        }
        if (fromEnv) {
            String env = environment.get(PIN_VARIABLE);
            if (env != null && !env.isEmpty()) {
                return env.toCharArray();
            }
        }
        if (console != null) {
            char[] typed = console.readPassword("Enter the %s: ", what);
            if (typed != null && typed.length > 0) {
                return typed;
            }
            throw new PinFileException("no " + what + " was typed");
        }
        throw new PinFileException("the " + what + " is needed: give " + option + " FILE (one line)"
                + (fromEnv ? ", set " + PIN_VARIABLE : "") + ", or run in a terminal to be asked"
                + (alternative == null ? "" : "; or " + alternative));
    }

    /** As {@link #read}, but a new PIN typed at a console is asked twice so a typo cannot lock the user out. */
    public char[] readNew(Path file, String what, String option) throws PinFileException {
        return readNew(file, what, option, false, null);
    }

    /** As {@link #readNew(Path, String, String)}, optionally from TPMSSH_PIN, with an alternative to name in the error. */
    public char[] readNew(Path file, String what, String option, boolean fromEnv, String alternative)
            throws PinFileException {
        if (file != null || console == null || (fromEnv && environment.get(PIN_VARIABLE) != null)) {
            return read(file, what, option, fromEnv, alternative);
        }
        char[] first = read(null, what, option, false, alternative);
        char[] again = console.readPassword("Repeat the %s: ", what);
        try {
            if (again == null || !java.util.Arrays.equals(first, again)) {
                org.tpmssh.stack.pin.Secrets.wipe(first);
                throw new PinFileException("the two " + what + "s typed differ; nothing was changed");
            }
            return first;
        } finally {
            org.tpmssh.stack.pin.Secrets.wipe(again);
        }
    }
}
