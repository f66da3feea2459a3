package org.tpmssh.harness.stacks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tpmssh.sshserver.Askpass;
import org.tpmssh.sshserver.CommandResult;
import org.tpmssh.sshserver.OpenSshAgentProcess;
import org.tpmssh.sshserver.OpenSshClient;
import org.tpmssh.sshserver.SshServerUnderTest;
import org.tpmssh.stack.pin.Secrets;

/**
 * A stack's PKCS#11 module as OpenSSH uses it, for the {@code ssh-pkcs11} client: {@code ssh -I} logins, and
 * OpenSSH's own ssh-agent holding the module's keys after {@code ssh-add -s}, started when a scenario first asks for
 * the agent socket. The PIN goes through SSH_ASKPASS: a login with a PIN key fails if ssh never asked for it, and
 * one whose keys are all PIN-less gets an askpass that refuses, and fails if ssh asked at all.
 */
public final class Pkcs11ModuleAgent implements StackAdapter.Agent {
    /** How a login's stderr starts when ssh asked for a PIN although every key it was given is PIN-less. */
    public static final String ASKED_FOR_NO_PIN = "ssh asked SSH_ASKPASS for a PIN, but every key of this login is"
            + " on a PIN-less token (its token must not set CKF_LOGIN_REQUIRED):";
    /** How a login's stderr starts when ssh signed with a PIN key without asking for its PIN. */
    public static final String NEVER_ASKED_FOR_PIN = "ssh logged in with a PIN key without asking SSH_ASKPASS for"
            + " the PIN (its token must set CKF_LOGIN_REQUIRED)";

    private final Path module;
    private final Map<String, String> moduleEnvironment;
    private final Path socket;
    private final char[] pin;
    private final List<String> keyLines;
    private final boolean pinless;
    private OpenSshAgentProcess agent;
    private CommandResult refused;

    /**
     * @param module the module's path, as a user passes it to {@code ssh -I} and {@code ssh-add -s}
     * @param moduleEnvironment what the module needs in its process's environment to find its tokens
     * @param socket where the ssh-agent listens, once started
     * @param keys the keys a login offers (the module's others are not offered)
     * @param pin what askpass answers for the PIN token (copied; null: nothing)
     */
    public Pkcs11ModuleAgent(Path module, Map<String, String> moduleEnvironment, Path socket,
            List<? extends StackAdapter.Key> keys, char[] pin) {
        this.module = module;
        this.moduleEnvironment = Map.copyOf(moduleEnvironment);
        this.socket = socket;
        this.pin = pin == null ? null : pin.clone();
        this.keyLines = keys.stream().map(StackAdapter.Key::authorizedKeysLine).toList();
        this.pinless = keys.stream().allMatch(k -> k.stored().token().equals(StackAdapter.PINLESS_TOKEN));
    }

    /** The authorized_keys lines of the keys this agent offers. */
    public List<String> keyLines() {
        return keyLines;
    }

    /** The PIN askpass answers (the array itself, wiped on close), or null. */
    public char[] pin() {
        return pin;
    }

    /** OpenSSH's ssh-agent with the module loaded by {@code ssh-add -s} and only this agent's keys left in it. */
    @Override
    public synchronized Path socketPath() {
        start();
        if (refused != null) {
            throw new IllegalStateException(refusalMessage());
        }
        return socket;
    }

    /**
     * Starts the agent if it is not running; the failed {@code ssh-add -s} when the module refused to hand over the
     * token's keys (a wrong PIN, lockout), which is the ssh-agent client's failed login, or empty when it loaded them.
     */
    public synchronized Optional<CommandResult> refusal() {
        start();
        return refused == null ? Optional.empty() : Optional.of(new CommandResult(refused.exitCode(),
                refused.stdout(), refusalMessage() + "\n" + agentLog(), refused.wallNanos()));
    }

    private String refusalMessage() {
        return "ssh-add -s " + module + " failed: " + refused.describe();
    }

    /** What ssh-agent said, e.g. "C_Login failed: 164" (CKR_PIN_LOCKED) for a token in lockout. */
    private String agentLog() {
        try {
            return "ssh-agent: " + Files.readString(socket.resolveSibling("ssh-agent.log")).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private void start() {
        if (agent != null) {
            return;
        }
        try {
            agent = OpenSshAgentProcess.start(socket, module, moduleEnvironment);
            CommandResult add;
            // ssh-add asks for a PIN even when no token needs one; refusing then sends an empty one.
            try (Askpass askpass = pin == null ? Askpass.refusing(socket.getParent())
                    : Askpass.answering(socket.getParent(), pin)) {
                add = agent.addModule(askpass);
            }
            if (!add.succeeded()) {
                refused = add;
                return;
            }
            agent.keepOnly(keyLines, Files.createTempDirectory(socket.getParent(), "other-keys"));
        } catch (IOException | RuntimeException e) {
            close();
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * {@code ssh -v -I module … true} in {@code dir}, offering this agent's keys, optionally only {@code algorithm},
     * trusting {@code knownHostsLines}, with the PIN from askpass (stdin is /dev/null and BatchMode is off).
     */
    public CommandResult login(SshServerUnderTest server, String algorithm, List<String> knownHostsLines, Path dir)
            throws IOException {
        OpenSshClient ssh = new OpenSshClient(dir, server, knownHostsLines, OpenSshClient.DEFAULT_TIMEOUT);
        List<String> extra = new ArrayList<>(List.of("-v"));
        if (algorithm != null) {
            extra.addAll(List.of("-o", "PubkeyAcceptedAlgorithms=" + algorithm));
        }
        try (Askpass askpass = pinless || pin == null ? Askpass.refusing(dir) : Askpass.answering(dir, pin)) {
            Map<String, String> env = new HashMap<>(moduleEnvironment);
            env.putAll(askpass.environment());
            CommandResult r = ssh.runWithModule(module, keyLines, env, extra, "true");
            List<String> prompts = askpass.prompts();
            if (pinless && !prompts.isEmpty()) {
                return new CommandResult(r.succeeded() ? 1 : r.exitCode(), r.stdout(),
                        ASKED_FOR_NO_PIN + " " + prompts + "\n" + r.stderr(), r.wallNanos());
            }
            if (!pinless && r.succeeded() && prompts.isEmpty()) {
                return new CommandResult(1, r.stdout(), NEVER_ASKED_FOR_PIN + "\n" + r.stderr(), r.wallNanos());
            }
            return r;
        }
    }

    /** Stops the ssh-agent, if it was started, and wipes the PIN. */
    @Override
    public synchronized void close() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
        Secrets.wipe(pin);
    }
}
