package org.tpmssh.stack.p11kit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The C half of the bridge: {@code p11-kit-client.so} from Debian's p11-kit-modules, which a
 * program loads as its PKCS#11 module and which forwards every call to the server named by
 * {@link P11KitServer#ADDRESS_VARIABLE}. TPMSSH_P11KIT_CLIENT overrides where it is looked for.
 */
public final class P11KitClientModule {
    public static final String OVERRIDE_VARIABLE = "TPMSSH_P11KIT_CLIENT";

    private P11KitClientModule() {
    }

    /** The module's path, or empty when p11-kit-modules is not installed. */
    public static Optional<Path> find() {
        String override = System.getenv(OVERRIDE_VARIABLE);
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override);
            return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
        }
        return candidates().stream().filter(Files::isRegularFile).findFirst();
    }

    /** The sentence to show when {@link #find()} found nothing. */
    public static String missing() {
        return "p11-kit-client.so is not installed (looked at " + candidates().get(0)
                + "); install the package p11-kit-modules, or set " + OVERRIDE_VARIABLE + " to its path";
    }

    private static List<Path> candidates() {
        List<Path> out = new ArrayList<>();
        String arch = System.getProperty("os.arch");
        String multiarch = switch (arch) {
            case "amd64", "x86_64" -> "x86_64-linux-gnu";
            case "aarch64" -> "aarch64-linux-gnu";
            default -> arch + "-linux-gnu";
        };
        out.add(Path.of("/usr/lib", multiarch, "pkcs11/p11-kit-client.so"));
        out.add(Path.of("/usr/lib64/pkcs11/p11-kit-client.so"));
        out.add(Path.of("/usr/lib/pkcs11/p11-kit-client.so"));
        return out;
    }
}
