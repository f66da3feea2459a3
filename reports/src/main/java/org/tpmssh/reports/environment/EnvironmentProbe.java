package org.tpmssh.reports.environment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.tpmssh.reports.model.Environment;
import org.tpmssh.reports.model.Environment.TpmInfo;

/**
 * Finds the versions a report names (OS, kernel, Java, OpenSSH, swtpm, tpm2-tss), giving null for a tool that is
 * absent or silent, never a guess.
 */
public final class EnvironmentProbe {

    // tpm2-tss's ESAPI library as Debian and Ubuntu package it; older releases call it libtss2-esys0.
    private static final List<String> TSS_PACKAGES = List.of("libtss2-esys-3.0.2-0", "libtss2-esys0");
    private static final long TIMEOUT_SECONDS = 5;

    private EnvironmentProbe() {}

    /** The environment of this machine, with the TPM identities the harness reported. */
    public static Environment probe(List<TpmInfo> tpms) {
        return new Environment(os(), firstLine("uname", "-r").orElse(null), java(),
                firstLine("ssh", "-V").orElse(null), firstLine("swtpm", "--version").orElse(null),
                tss().orElse(null), tpms);
    }

    private static String os() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replaceAll("^\"|\"$", "");
                }
            }
        } catch (IOException e) {
            // No os-release: fall back to what the JVM knows.
        }
        return System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    private static String java() {
        return System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version",
                System.getProperty("java.version"));
    }

    private static Optional<String> tss() {
        for (String pkg : TSS_PACKAGES) {
            Optional<String> v = firstLine("dpkg-query", "-W", "-f=${Version}", pkg).filter(s -> !s.isBlank());
            if (v.isPresent()) {
                return Optional.of(v.get() + " (" + pkg + ")");
            }
        }
        return firstLine("pkg-config", "--modversion", "tss2-esys");
    }

    /** The first non-blank line a command prints on stdout or stderr, if it exits 0 in time. */
    static Optional<String> firstLine(String... command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            return Optional.empty();
        }
        try (InputStream in = p.getInputStream()) {
            p.getOutputStream().close();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                return Optional.empty();
            }
            String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                return Optional.empty();
            }
            return out.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                try {
                    p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
