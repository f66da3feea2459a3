package org.tpmssh.stack.p11kit;

import java.util.Set;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.Tokens;

/**
 * The tokens a server offers: those under the storage key its {@link Tokens} ring holds (one
 * ring has one SRK), all of them or only the named ones; and the placeholder certificates, if asked for.
 */
record ServedTokens(Tokens tokens, ParentKind parent, Set<String> labels, PlaceholderCertificates certificates) {

    boolean offers(TokenRecord t) {
        return t.parent() == parent && (labels.isEmpty() || labels.contains(t.label()));
    }
}
