package org.tpmssh.cli.options;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.tpmssh.stack.store.DamagedFile;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every token, key and agent verb shares: {@code --tcti}, {@code --store}, where secrets come
 * from, and the command's own stdout and stderr (so tests capture them in process).
 */
public abstract class StoreVerb implements Callable<Integer> {
    @Spec
    protected CommandSpec spec;

    @Mixin
    protected TpmOption tpm;

    @Mixin
    protected StoreOption store;

    protected SecretInput secrets() {
        return SecretInput.system();
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** One stderr line for a store file that was skipped because it is damaged; the verb goes on. */
    protected void warn(DamagedFile damaged) {
        err().println("tpmssh: warning: " + damaged.message() + "; it was skipped and left as it is (`tpmssh token"
                + " check` says what can be recovered)");
    }

    /** A usage error (exit 2) for option combinations picocli cannot express. */
    protected ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
