package org.tpmssh.stack.tpm2pkcs11;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.emulators.Tpm2Ptool;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The real tpm2-pkcs11 stack on a fresh swtpm: a private tpm2-abrmd in front of it (tpm2-pkcs11
 * needs a resource manager) and tpm2_ptool on a store in the test's own folder. swtpm serves one
 * connection at a time, so our stack reaches the same TPM only while abrmd is paused.
 */
final class Tpm2Pkcs11Fixture implements AutoCloseable {
    /** Wherever this machine's multiarch triplet puts it; a path that cannot exist when the package is absent. */
    static final Path MODULE = LibraryPath.find("libtpm2_pkcs11.so.1").orElse(Path.of("libtpm2_pkcs11.so.1"));

    private final Swtpm swtpm;
    private final Path store;
    private Tpm2Abrmd abrmd;
    private Tpm2Ptool ptool;

    private Tpm2Pkcs11Fixture(Swtpm swtpm, Path store) {
        this.swtpm = swtpm;
        this.store = store;
    }

    /** Skips (with the reason) when a part of the packaged stack is missing. */
    static void assumeInstalled() {
        SearchPath path = SearchPath.system();
        assumeTrue(path.find("tpm2_ptool").isPresent(), "tpm2_ptool is not installed (libtpm2-pkcs11-tools)");
        assumeTrue(path.find("tpm2-abrmd").isPresent(), "tpm2-abrmd is not installed");
        assumeTrue(path.find("dbus-daemon").isPresent(), "dbus-daemon is not installed");
        assumeTrue(Files.exists(MODULE), "libtpm2_pkcs11.so.1 is not installed (libtpm2-pkcs11-1)");
    }

    static Tpm2Pkcs11Fixture start(Path store) throws Exception {
        assumeInstalled();
        Swtpm sw = Swtpm.start();
        Tpm2Pkcs11Fixture f = new Tpm2Pkcs11Fixture(sw, store);
        try {
            try (Tpm tpm = f.openOurs()) {
                DictionaryAttack.relaxForOwnSimulator(tpm);
            }
            f.resume();
            return f;
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
    }

    /**
     * Fills the store with tpm2_ptool as a user would: a PIN token "withpin" (user PIN 1234) with keys "ecc" and
     * "rsa", and a PIN-less token "pinless" with key "ecc2".
     */
    void addSampleTokens() throws Exception {
        int pid = ptool.init();
        ptool.addToken(pid, "withpin", "so-secret", "1234");
        ptool.addKey("withpin", "ecc", "1234", "ecc256");
        ptool.addKey("withpin", "rsa", "1234", "rsa2048");
        ptool.addToken(pid, "pinless", "so-secret", "");
        ptool.addKey("pinless", "ecc2", "", "ecc256");
    }

    Swtpm swtpm() {
        return swtpm;
    }

    Tpm2Ptool ptool() {
        return ptool;
    }

    /** The environment ssh, ssh-keygen and libtpm2_pkcs11 need for this store and TPM. */
    Map<String, String> moduleEnvironment() {
        return new HashMap<>(ptool.environment());
    }

    /** Our own connection straight to swtpm; only while abrmd is paused. */
    Tpm openOurs() throws Exception {
        return new Tpm(Tcti.parse(swtpm.tcti()).open());
    }

    /** Stops abrmd so our stack can hold swtpm's one connection. */
    void pause() {
        if (abrmd != null) {
            abrmd.close();
            abrmd = null;
        }
    }

    /** A new abrmd on the same swtpm (same state, same persistent primary). */
    void resume() throws IOException {
        if (abrmd == null) {
            abrmd = Tpm2Abrmd.start(swtpm.tcti());
            ptool = Tpm2Ptool.at(store, abrmd.environment());
        }
    }

    @Override
    public void close() {
        try {
            pause();
        } finally {
            swtpm.close();
        }
    }
}
