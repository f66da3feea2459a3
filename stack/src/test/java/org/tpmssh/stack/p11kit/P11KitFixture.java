package org.tpmssh.stack.p11kit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.stack.keys.TpmSshKeys.KeyType;
import org.tpmssh.stack.pkcs11.Ck;
import org.tpmssh.stack.pkcs11.Cryptoki;
import org.tpmssh.stack.pkcs11.Session;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.stack.store.Tokens;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.transport.Tcti;

/**
 * A real swtpm with a store of two tokens, "pinned" (user PIN {@link #PIN}) and "free" (PIN-less),
 * and a p11-kit server in this JVM serving them on a socket in the test's folder.
 */
final class P11KitFixture implements AutoCloseable {
    static final String PIN = "2468";
    static final String SO_PIN = "so-1357";

    final Swtpm swtpm;
    final KeyRing ring;
    final Tokens tokens;
    final Map<String, KeyRecord> keys = new LinkedHashMap<>();
    P11KitServer server;

    private P11KitFixture(Swtpm swtpm, KeyRing ring, Tokens tokens) {
        this.swtpm = swtpm;
        this.ring = ring;
        this.tokens = tokens;
    }

    /** The TPM with its DA parameters already set by {@code daSetup}, then the tokens and keys. */
    static P11KitFixture start(Path dir, List<KeyType> pinKeys, DaSetup daSetup) throws Exception {
        Swtpm sw = Swtpm.start();
        KeyRing ring = null;
        try {
            Tpm tpm = new Tpm(Tcti.parse(sw.tcti()).open());
            daSetup.apply(tpm);
            ring = KeyRing.open(tpm, ParentKind.ECC.template());
            Tokens tokens = new Tokens(TokenStore.open(dir.resolve("store")), ring, ParentKind.ECC);
            P11KitFixture f = new P11KitFixture(sw, ring, tokens);
            tokens.init("free", null, null);
            tokens.init("pinned", PIN.toCharArray(), SO_PIN.toCharArray());
            try (Cryptoki module = new Cryptoki(tokens)) {
                Session free = module.openSession(module.slotOf("free"));
                f.keys.put("free/ecc-p256", free.createKey(KeyType.ECC_P256, "robot", false, "robot key"));
                Session s = module.openSession(module.slotOf("pinned"));
                s.login(Ck.CKU_USER, PIN.toCharArray());
                for (KeyType t : pinKeys) {
                    f.keys.put("pinned/" + t.label(), s.createKey(t, t.label(), false, "test " + t.label()));
                }
            }
            return f;
        } catch (Exception | Error e) {
            if (ring != null) {
                ring.close();
            }
            sw.close();
            throw e;
        }
    }

    interface DaSetup {
        void apply(Tpm tpm) throws Exception;
    }

    P11KitServer serve(Path socket, P11KitOptions options) throws Exception {
        server = P11KitServer.start(socket, tokens, ParentKind.ECC, options);
        return server;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        ring.close();
        swtpm.close();
    }
}
