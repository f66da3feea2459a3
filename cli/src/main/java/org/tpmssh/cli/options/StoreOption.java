package org.tpmssh.cli.options;

import java.nio.file.Path;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.StorePaths;
import org.tpmssh.stack.store.TokenStore;
import picocli.CommandLine.Option;

/** The {@code --store} option every token and key verb shares; the rule itself lives in {@link StorePaths}. */
public final class StoreOption {
    @Option(names = "--store", paramLabel = "<dir>",
            description = "The token store directory. Default: TPMSSH_STORE, else $XDG_DATA_HOME/tpmssh,"
                    + " else ~/.local/share/tpmssh.")
    Path store;

    public Path path() {
        return StorePaths.resolve(store);
    }

    public TokenStore open() throws StoreException {
        return TokenStore.open(path());
    }
}
