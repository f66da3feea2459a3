package org.tpmssh.stack.pinentry;

import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.tpmssh.stack.pin.Secrets;

/** Asks a person for a PIN or a yes/no through the SSH_ASKPASS program, as OpenSSH runs it (docs/agent.md). */
public final class Askpass implements PinSource {

    private static final int MAX_ANSWER_CHARS = 1024;

    private final Map<String, String> environment;
    private final Duration timeout;

    /**
     * @param environment the agent's environment (normally {@code System.getenv()}); the program
     *     runs with exactly this environment
     * @param timeout how long a person gets to answer before the program is killed
     */
    public Askpass(Map<String, String> environment, Duration timeout) {
        this.environment = Map.copyOf(environment);
        this.timeout = timeout;
    }

    /** True when SSH_ASKPASS is set and the SSH_ASKPASS_REQUIRE / DISPLAY rules allow running it. */
    public boolean available() {
        String program = environment.get("SSH_ASKPASS");
        if (program == null || program.isEmpty()) {
            return false;
        }
        String require = environment.getOrDefault("SSH_ASKPASS_REQUIRE", "");
        if ("never".equals(require)) {
            return false;
        }
        return "force".equals(require) || !environment.getOrDefault("DISPLAY", "").isEmpty()
                || !environment.getOrDefault("WAYLAND_DISPLAY", "").isEmpty();
    }

    @Override
    public char[] pin(String scope, String prompt) throws IOException {
        return available() ? run(prompt, false) : null;
    }

    @Override
    public String name() {
        return "SSH_ASKPASS";
    }

    @Override
    public String howToProvide() {
        return "set SSH_ASKPASS (with DISPLAY, or SSH_ASKPASS_REQUIRE=force) in the agent's environment";
    }

    /**
     * Asks a person to allow one use of a key. As OpenSSH's confirm(): allowed when the program
     * exits 0 and prints nothing or "yes".
     *
     * @return false when refused or when no askpass is available
     * @throws IOException the program could not run or gave no answer in time
     */
    public boolean confirm(String prompt) throws IOException {
        if (!available()) {
            return false;
        }
        char[] answer = null;
        try {
            answer = run(prompt, true);
            if (answer == null) {
                return false;
            }
            String text = new String(answer).trim(); // a yes/no answer, not a secret
            return text.isEmpty() || text.equalsIgnoreCase("yes");
        } finally {
            Secrets.wipe(answer);
        }
    }

    /** One line of the program's stdout without its newline, or null when it exited non-zero. */
    private char[] run(String prompt, boolean confirm) throws IOException {
        String program = environment.get("SSH_ASKPASS");
        ProcessBuilder builder = new ProcessBuilder(program, prompt)
                .redirectInput(new File("/dev/null"))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        builder.environment().putAll(environment);
        if (confirm) {
            builder.environment().put("SSH_ASKPASS_PROMPT", "confirm");
        } else {
            builder.environment().remove("SSH_ASKPASS_PROMPT");
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IOException("cannot run SSH_ASKPASS " + program + ": " + e.getMessage(), e);
        }
        char[] buffer = new char[MAX_ANSWER_CHARS];
        int length = 0;
        try {
            // The timeout must also bound a program that never writes, so reading waits for exit.
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("SSH_ASKPASS " + program + " gave no answer within " + timeout.toSeconds()
                        + " s and was stopped");
            }
            try (Reader reader = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
                int c;
                while (length < buffer.length && (c = reader.read()) >= 0 && c != '\n' && c != '\r') {
                    buffer[length++] = (char) c;
                }
            }
            if (process.exitValue() != 0) {
                return null;
            }
            return Arrays.copyOf(buffer, length);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for SSH_ASKPASS", e);
        } finally {
            Secrets.wipe(buffer);
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            try {
                process.waitFor(5, TimeUnit.SECONDS); // reap it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
