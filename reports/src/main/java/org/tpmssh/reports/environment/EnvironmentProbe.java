package org.tpmssh.reports.environment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.tpmssh.reports.model.Environment;
import org.tpmssh.reports.model.Environment.TpmInfo;

/**
 * Finds the versions a report names (OS, kernel, Java, OpenSSH, swtpm, tpm2-tss, and the installed packages of the
 * TPM stack with their exact dpkg or rpm version), giving null for a tool that is absent or silent, never a guess.
 */
public final class EnvironmentProbe {

    // tpm2-tss's ESAPI library as Debian and Ubuntu package it; older releases call it libtss2-esys0.
    private static final List<String> TSS_PACKAGES = List.of("libtss2-esys-3.0.2-0", "libtss2-esys0");
    private static final long TIMEOUT_SECONDS = 5;
    /**
     * The packages under test besides a stack's own (which the harness publishes as tpmssh.package.*): tpm2-tss's
     * ESAPI and TCTI loader, tpm2-tools, tpm2-abrmd and its TCTI, swtpm and libtpms, OpenSSH. Debian's names, then
     * Fedora's for rpm.
     */
    private static final List<String> DEBIAN_PACKAGES = List.of("libtss2-esys-3.0.2-0", "libtss2-esys0",
            "libtss2-tctildr0", "tpm2-tools", "tpm2-abrmd", "libtss2-tcti-tabrmd0", "swtpm", "libtpms0",
            "openssh-client", "openssh-server");
    private static final List<String> RPM_PACKAGES = List.of("tpm2-tss", "tpm2-tools", "tpm2-abrmd", "swtpm",
            "libtpms", "openssh-clients", "openssh-server");

    private EnvironmentProbe() {}

    /** The environment of this machine, with the TPM identities the harness reported. */
    public static Environment probe(List<TpmInfo> tpms) {
        return probe(tpms, Map.of());
    }

    /**
     * As {@link #probe(List)}, with the package versions the harness published ({@code tpmssh.package.*}) beside
     * those found here; a published version wins, since the stack that published it looked it up itself.
     */
    public static Environment probe(List<TpmInfo> tpms, Map<String, String> publishedPackages) {
        Map<String, String> packages = new TreeMap<>(installedPackages());
        packages.putAll(publishedPackages);
        return new Environment(os(), firstLine("uname", "-r").orElse(null), java(),
                firstLine("ssh", "-V").orElse(null), firstLine("swtpm", "--version").orElse(null),
                tss().orElse(null), tpms, packages);
    }

    /** The installed packages of {@link #DEBIAN_PACKAGES} (or {@link #RPM_PACKAGES}), as the package manager says. */
    static Map<String, String> installedPackages() {
        Map<String, String> found = new TreeMap<>();
        // One query for all: dpkg-query lists the installed ones and exits 1 over the others, which is fine here.
        List<String> dpkg = new java.util.ArrayList<>(List.of("dpkg-query", "-W",
                "-f=${Package}\t${Version}\t${db:Status-Status}\n"));
        dpkg.addAll(DEBIAN_PACKAGES);
        for (String line : run(dpkg, false).map(Output::text).orElse("").lines().toList()) {
            String[] f = line.split("\t");
            if (f.length == 3 && f[2].equals("installed") && !f[1].isBlank()) {
                found.put(f[0], f[1]);
            }
        }
        if (!found.isEmpty()) {
            return found;
        }
        List<String> rpm = new java.util.ArrayList<>(List.of("rpm", "-q", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"));
        rpm.addAll(RPM_PACKAGES);
        for (String line : run(rpm, false).map(Output::text).orElse("").lines().toList()) {
            String[] f = line.split("\t");
            if (f.length == 2 && RPM_PACKAGES.contains(f[0])) {
                found.put(f[0], f[1]);
            }
        }
        return found;
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

    /** A command's exit status and what it printed. */
    private record Output(int exit, String text) {
    }

    /** The first non-blank line a command prints on stdout or stderr, if it exits 0 in time. */
    static Optional<String> firstLine(String... command) {
        return run(List.of(command), true).filter(o -> o.exit() == 0)
                .flatMap(o -> o.text().lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst());
    }

    /**
     * Runs {@code command} with its stdin closed, waiting at most {@link #TIMEOUT_SECONDS}: its exit status and its
     * stdout (with stderr too if {@code withStderr}); empty if it cannot run or does not end in time.
     */
    private static Optional<Output> run(List<String> command, boolean withStderr) {
        Process p;
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE);
            if (withStderr) {
                builder.redirectErrorStream(true);
            } else {
                builder.redirectError(ProcessBuilder.Redirect.DISCARD);
            }
            p = builder.start();
        } catch (IOException e) {
            return Optional.empty();
        }
        try (InputStream in = p.getInputStream()) {
            p.getOutputStream().close();
            // Waited for first: a few lines fit the pipe, and a hung tool cannot block the read.
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                return Optional.empty();
            }
            return Optional.of(new Output(p.exitValue(), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
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
