package org.tpmssh.cli.options;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;

/**
 * Which tokens a serving verb (agent, pkcs11-server) offers: the ones named with {@code --token},
 * else all; and the one storage-key kind they share, since one key ring holds one SRK.
 */
public final class TokenChoice {
    private TokenChoice() {
    }

    /** The requested labels, each checked to exist, or every token's label when none was requested. */
    public static List<String> labels(TokenStore store, List<String> requested) throws StoreException {
        if (!requested.isEmpty()) {
            Set<String> unique = new LinkedHashSet<>(requested);
            for (String label : unique) {
                store.requireToken(label);
            }
            return List.copyOf(unique);
        }
        return store.tokens().stream().map(TokenRecord::label).toList();
    }

    /**
     * The storage-key kind of all the tokens, or null when there are none. Tokens under the other
     * kind need a second server, which the message says.
     */
    public static ParentKind oneParent(TokenStore store, List<String> labels, String verb) throws StoreException {
        ParentKind kind = null;
        for (String label : labels) {
            ParentKind k = store.requireToken(label).parent();
            if (kind != null && k != kind) {
                throw new StoreException("the tokens live under different storage keys (" + kind.json() + " and "
                        + k.json() + "); one " + verb
                        + " serves one kind: start one " + verb + " per kind with --token");
            }
            kind = k;
        }
        return kind;
    }
}
