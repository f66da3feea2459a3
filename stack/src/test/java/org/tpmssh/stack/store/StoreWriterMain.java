package org.tpmssh.stack.store;

import java.nio.file.Path;

/**
 * A second process for the concurrency test: opens the store named by args[0] and adds args[2]
 * TPM-less key records, labelled args[1]-0, args[1]-1, ..., to token "shared". After each it also
 * tries to add "dup-i", a label the other writer tries too: exactly one of them may succeed.
 */
public final class StoreWriterMain {
    private StoreWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        TokenStore store = TokenStore.open(Path.of(args[0]));
        int n = Integer.parseInt(args[2]);
        for (int i = 0; i < n; i++) {
            store.addKey("shared", StoreFixtures.fakeKey(args[1] + "-" + i));
            try {
                store.addKey("shared", StoreFixtures.fakeKey("dup-" + i));
            } catch (StoreException e) {
                if (!e.getMessage().contains("already has a key labelled")) {
                    throw e;
                }
            }
        }
        System.out.println("added " + n);
    }
}
