package org.tpmssh.cli.options;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.tpmssh.stack.store.DamagedFileException;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.StoreListing;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;

/**
 * Which tokens a serving verb (agent, pkcs11-server) offers: the ones named with {@code --token},
 * else all, past any damaged token file; and the one storage-key kind they share, since one key ring holds one SRK.
 */
public final class TokenChoice {
    private TokenChoice() {
    }

    /**
     * The tokens to serve: the ones requested, else all. A token whose token.json is damaged is not
     * served; it goes into {@code skipped} (one sentence naming the file) and the others are.
     */
    public static List<TokenRecord> tokens(TokenStore store, List<String> requested, List<String> skipped)
            throws StoreException {
        if (requested.isEmpty()) {
            StoreListing<TokenRecord> all = store.listTokens();
            all.damaged().forEach(d -> skipped.add(d.message() + "; it was left as it is"));
            return all.records();
        }
        List<TokenRecord> chosen = new ArrayList<>();
        for (String label : new LinkedHashSet<>(requested)) {
            try {
                chosen.add(store.requireToken(label));
            } catch (DamagedFileException e) {
                skipped.add(e.damage().message() + "; it was left as it is");
            }
        }
        return chosen;
    }

    public static List<String> labels(List<TokenRecord> tokens) {
        return tokens.stream().map(TokenRecord::label).toList();
    }

    /**
     * The storage-key kind of all the tokens, or null when there are none. Tokens under another
     * kind need a second server, which the message says.
     */
    public static ParentKind oneParent(List<TokenRecord> tokens, String verb) throws StoreException {
        ParentKind kind = null;
        for (TokenRecord t : tokens) {
            if (kind != null && t.parent() != kind) {
                throw new StoreException("the tokens live under different storage keys (" + kind.json() + " and "
                        + t.parent().json() + "); one " + verb + " serves one kind: start one " + verb
                        + " per kind with --token");
            }
            kind = t.parent();
        }
        return kind;
    }
}
