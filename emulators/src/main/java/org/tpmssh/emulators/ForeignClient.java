package org.tpmssh.emulators;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Another program on a TPM without a resource manager: the installed tpm2-tools, whose {@code tpm2_createprimary}
 * leaves its primary loaded when it exits, as any client may. Fault injection for tests of what tpmssh must leave alone.
 */
public final class ForeignClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern HANDLE = Pattern.compile("(?m)^-\\s*0x([0-9a-fA-F]{8})\\s*$");

    private final String tcti;
    private final Path dir;

    private ForeignClient(String tcti, Path dir) {
        this.tcti = tcti;
        this.dir = dir;
    }

    /** Why tpm2-tools cannot play the other program here, or empty when they can. */
    public static Optional<String> unavailable() {
        return SearchPath.system().find("tpm2_createprimary").isPresent() ? Optional.empty()
                : Optional.of("tpm2-tools (tpm2_createprimary) is not installed; see scripts/prerequisites.sh");
    }

    /** A client of the TPM at {@code tcti} that keeps its files (contexts) in {@code dir}, made if absent. */
    public static ForeignClient of(String tcti, Path dir) throws IOException {
        Files.createDirectories(dir);
        return new ForeignClient(tcti, dir);
    }

    /**
     * {@code tpm2_createprimary -C o -c FILE}: an RSA-2048 primary under the owner, tpm2-tools' default template,
     * which stays loaded after the tool exits. Returns its handle, found with {@code tpm2_getcap handles-transient}.
     */
    public int createPrimary() throws IOException {
        List<Integer> before = transientHandles();
        Path ctx = Files.createTempFile(dir, "foreign-", ".ctx");
        run(List.of("tpm2_createprimary", "-C", "o", "-c", ctx.toString()));
        List<Integer> after = new ArrayList<>(transientHandles());
        after.removeAll(before);
        if (after.size() != 1) {
            throw new IOException("tpm2_createprimary left " + after.size() + " new objects loaded, not one");
        }
        return after.get(0);
    }

    /** {@code tpm2_getcap handles-transient}. */
    public List<Integer> transientHandles() throws IOException {
        List<Integer> handles = new ArrayList<>();
        Matcher m = HANDLE.matcher(run(List.of("tpm2_getcap", "handles-transient")));
        while (m.find()) {
            handles.add(Integer.parseUnsignedInt(m.group(1), 16));
        }
        return handles;
    }

    private String run(List<String> command) throws IOException {
        Path out = Files.createTempFile(dir, "tool-", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("TPM2TOOLS_TCTI", tcti);
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(command.get(0) + " did not finish in " + TIMEOUT.toSeconds() + " s");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + text);
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + command.get(0) + " ran", e);
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }
}
