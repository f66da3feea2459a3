package org.tpmssh.harness.tpm2pkcs11;

import java.nio.file.Path;
import java.util.List;
import org.tpmssh.harness.stacks.Pkcs11ModuleAgent;
import org.tpmssh.harness.stacks.StackAdapter;

/**
 * The tpm2-pkcs11 stack's agent: its store, and libtpm2_pkcs11 as OpenSSH uses it over that store (ssh-add -s into
 * OpenSSH's ssh-agent, started on first use, and ssh -I), with the store's environment.
 */
final class OpenSshAgent implements StackAdapter.Agent {
    final PtoolStore store;
    final Pkcs11ModuleAgent module;

    OpenSshAgent(PtoolStore store, Path socket, char[] pin, List<? extends StackAdapter.Key> keys)
            throws Tpm2Pkcs11Exception {
        store.requireStore(store.environment());
        this.store = store;
        this.module = new Pkcs11ModuleAgent(store.installation().module(), store.environment(), socket, keys, pin);
    }

    @Override
    public Path socketPath() {
        return module.socketPath();
    }

    @Override
    public void close() {
        module.close();
    }
}
