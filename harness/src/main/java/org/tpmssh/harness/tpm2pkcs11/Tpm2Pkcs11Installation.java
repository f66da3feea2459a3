package org.tpmssh.harness.tpm2pkcs11;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tpmssh.emulators.LibraryPath;
import org.tpmssh.emulators.SearchPath;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.CommandRunner;

/**
 * Where the system's tpm2-pkcs11 is installed ({@code tpm2_ptool}, the module, the package versions); each missing
 * piece is its own {@link Tpm2Pkcs11Exception.Fault}.
 *
 * @param ptool the tpm2_ptool program
 * @param module the PKCS#11 module
 * @param searchPath where programs are looked up, handed on to the processes the stack starts
 * @param packages package name to installed version, for the report ("not installed" where absent)
 */
public record Tpm2Pkcs11Installation(Path ptool, Path module, SearchPath searchPath, Map<String, String> packages) {

    public static final String MODULE_VARIABLE = "TPMSSH_TPM2_PKCS11_MODULE";
    public static final String MODULE_PREFIX = "libtpm2_pkcs11.so";
    /**
     * The stack's own packages, Debian's names, then Fedora's: the module, tpm2_ptool, and OpenSC's pkcs11-tool that
     * signs outside ssh. The reports' environment probe names the platform beneath (tpm2-tss, tpm2-abrmd, swtpm,
     * OpenSSH).
     */
    static final List<String> DEBIAN_PACKAGES = List.of("libtpm2-pkcs11-1", "libtpm2-pkcs11-tools", "opensc");
    static final List<String> RPM_PACKAGES = List.of("tpm2-pkcs11", "tpm2-pkcs11-tools", "opensc");

    public Tpm2Pkcs11Installation {
        packages = Map.copyOf(packages);
    }

    /** The installation as this process's PATH, library directories and environment show it. */
    public static Tpm2Pkcs11Installation find() throws Tpm2Pkcs11Exception {
        return find(SearchPath.system(), LibraryPath.directories(), System.getenv());
    }

    /** As {@link #find()}, looking only where it is told: a test hides a piece to see the failure it causes. */
    public static Tpm2Pkcs11Installation find(SearchPath path, List<Path> libraryDirectories,
            Map<String, String> environment) throws Tpm2Pkcs11Exception {
        Path ptool = path.find("tpm2_ptool").orElseThrow(() -> new Tpm2Pkcs11Exception(
                Tpm2Pkcs11Exception.Fault.PTOOL_MISSING, "tpm2_ptool missing from libtpm2-pkcs11-tools (not on PATH: "
                + path + "); install libtpm2-pkcs11-tools (Debian) or tpm2-pkcs11-tools (Fedora)"));
        Path module;
        String configured = environment.get(MODULE_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            module = Path.of(configured);
            if (!Files.isRegularFile(module)) {
                throw new Tpm2Pkcs11Exception(Tpm2Pkcs11Exception.Fault.MODULE_MISSING, "libtpm2_pkcs11.so not"
                        + " found: " + MODULE_VARIABLE + "=" + configured + " is not a file; unset it or point it"
                        + " at the module of libtpm2-pkcs11-1");
            }
        } else {
            module = LibraryPath.find(MODULE_PREFIX, libraryDirectories).orElseThrow(() -> new Tpm2Pkcs11Exception(
                    Tpm2Pkcs11Exception.Fault.MODULE_MISSING, "libtpm2_pkcs11.so not found (looked in "
                    + libraryDirectories + "; set " + MODULE_VARIABLE + "); install libtpm2-pkcs11-1 (Debian) or"
                    + " tpm2-pkcs11 (Fedora)"));
        }
        return new Tpm2Pkcs11Installation(ptool, module, path, packageVersions(path));
    }

    /** Installed versions by dpkg-query, or rpm where there is no dpkg; empty when neither exists. */
    static Map<String, String> packageVersions(SearchPath path) {
        Map<String, String> versions = new LinkedHashMap<>();
        Optional<Path> dpkg = path.find("dpkg-query");
        Optional<Path> rpm = path.find("rpm");
        if (dpkg.isPresent()) {
            for (String name : DEBIAN_PACKAGES) {
                versions.put(name, query(List.of(dpkg.get().toString(), "-W", "-f=${Version}", name)));
            }
        } else if (rpm.isPresent()) {
            for (String name : RPM_PACKAGES) {
                versions.put(name, query(List.of(rpm.get().toString(), "-q", "--qf", "%{VERSION}-%{RELEASE}",
                        name)));
            }
        }
        return versions;
    }

    private static String query(List<String> command) {
        try {
            CommandResult r = CommandRunner.run(command, Map.of(), Duration.ofSeconds(20));
            return r.succeeded() && !r.stdout().isBlank() ? r.stdout().trim() : "not installed";
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
