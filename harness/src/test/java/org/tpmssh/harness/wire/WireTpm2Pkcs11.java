package org.tpmssh.harness.wire;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.emulators.Tpm2Abrmd;
import org.tpmssh.emulators.Tpm2Ptool;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/**
 * The distribution's tpm2-pkcs11 on the TPM behind a wire proxy: a private tpm2-abrmd whose swtpm TCTI points at
 * the proxy (data port and control port), a store in the test's folder with one PIN token and one ECC P-256 key,
 * made by the installed tpm2_ptool, and OpenSC's pkcs11-tool to use it. Skips with the reason when a package
 * is missing.
 */
final class WireTpm2Pkcs11 implements AutoCloseable {
    static final String PIN = "wire-pin-73519";
    static final String SO_PIN = "wire-so-28461";
    static final String TOKEN = "wire";
    static final String KEY = "wirekey";
    private static final Duration STEP = Duration.ofSeconds(120);

    final Tpm2Abrmd abrmd;
    final Tpm2Ptool ptool;
    final Path module;

    private WireTpm2Pkcs11(Tpm2Abrmd abrmd, Tpm2Ptool ptool, Path module) {
        this.abrmd = abrmd;
        this.ptool = ptool;
        this.module = module;
    }

    static Path assumeInstalled() {
        SearchPath path = SearchPath.system();
        for (String program : List.of("tpm2_ptool", "tpm2-abrmd", "dbus-daemon", "pkcs11-tool")) {
            assumeTrue(path.find(program).isPresent(), program + " is not installed");
        }
        Optional<Path> module = LibraryPath.find("libtpm2_pkcs11.so", LibraryPath.directories());
        assumeTrue(module.isPresent(), "libtpm2_pkcs11.so is not installed (libtpm2-pkcs11-1)");
        return module.get();
    }

    /** tpm2-abrmd in front of the proxy, then a tpm2-pkcs11 store, token and key made through it. */
    static WireTpm2Pkcs11 start(TpmWireProxy proxy, Path dir) throws Exception {
        Path module = assumeInstalled();
        Tpm2Abrmd abrmd = Tpm2Abrmd.start(proxy.tcti());
        try {
            Tpm2Ptool ptool = Tpm2Ptool.at(dir.resolve("store"), abrmd.environment());
            int primary = ptool.init();
            ptool.addToken(primary, TOKEN, SO_PIN, PIN);
            ptool.addKey(TOKEN, KEY, PIN, "ecc256");
            return new WireTpm2Pkcs11(abrmd, ptool, module);
        } catch (Exception | Error e) {
            abrmd.close();
            throw e;
        }
    }

    /** One pkcs11-tool process on the module: a login with the PIN, then a raw ECDSA signature of a digest file. */
    CommandResult sign(Path digest, Path signature) throws Exception {
        return pkcs11Tool(List.of("--login", "--pin", PIN, "--sign", "--mechanism", "ECDSA", "--label", KEY,
                "--input-file", digest.toString(), "--output-file", signature.toString()));
    }

    CommandResult pkcs11Tool(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of("pkcs11-tool", "--module", module.toString()));
        command.addAll(args);
        return CommandRunner.run(command, ptool.environment(), STEP);
    }

    /** tpm2_getcap through tpm2-abrmd. */
    CommandResult getcap(String capability) throws Exception {
        return CommandRunner.run(List.of("tpm2_getcap", capability), abrmd.environment(), STEP);
    }

    @Override
    public void close() {
        abrmd.close();
    }
}
