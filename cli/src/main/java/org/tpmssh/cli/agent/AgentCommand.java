package org.tpmssh.cli.agent;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tpmssh.cli.Main;
import org.tpmssh.cli.options.ForegroundService;
import org.tpmssh.cli.options.StoreVerb;
import org.tpmssh.cli.options.TokenChoice;
import org.tpmssh.cli.token.TokenSession;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.stack.agent.AgentOptions;
import org.tpmssh.stack.agent.SshAgentServer;
import org.tpmssh.stack.identities.TokenKeys;
import org.tpmssh.stack.pin.SecretFileMode;
import org.tpmssh.stack.store.ParentKind;
import org.tpmssh.stack.store.StoreException;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tpmssh agent}: an ssh-agent in the foreground that offers the keys of the chosen tokens
 * (default: all). It prints the SSH_AUTH_SOCK line as ssh-agent does, logs to stderr, and on
 * SIGINT or SIGTERM closes the socket and then the key ring, so no TPM object stays loaded.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Run an ssh-agent that signs with the keys of the given tokens (default: every token in"
                + " the store). Runs in the foreground until SIGINT or SIGTERM; the log goes to stderr.",
                "PINs come from SSH_ASKPASS (with DISPLAY, or SSH_ASKPASS_REQUIRE=force), --pin-file, or"
                        + " TPMSSH_PIN, in that order."})
public final class AgentCommand extends StoreVerb {
    private static final String AGENT_LOGGER = SshAgentServer.class.getName();

    @Option(names = "--socket", required = true, paramLabel = "<path>",
            description = "Where to listen; its directory is made private (0700) if new. This is SSH_AUTH_SOCK.")
    Path socket;

    @Option(names = "--token", paramLabel = "<label>",
            description = "A token whose keys to offer; repeat for more. Default: all tokens.")
    List<String> tokenLabels = new ArrayList<>();

    @Option(names = "--pin-file", paramLabel = "<file>",
            description = "The user PIN (first line), read again for each signature that needs it. A PIN the TPM"
                    + " refused is not tried again: fix the file and the next signature uses the new PIN.")
    Path pinFile;

    @Option(names = "--pin-cache-lifetime", paramLabel = "<duration>", defaultValue = "0",
            converter = DurationConverter.class,
            description = "How long a PIN the TPM accepted is reused, e.g. 300s, 5m, 1h (default: 0, no caching).")
    Duration pinCacheLifetime;

    @Option(names = "--idle-timeout", paramLabel = "<duration>", defaultValue = "5m",
            converter = DurationConverter.class,
            description = "Disconnect a client that stays silent this long between requests, e.g. 90s, 10m"
                    + " (default: 5m; 0: never). When all 64 connections are taken, the one waiting longest is let"
                    + " go for a new client.")
    Duration idleTimeout;

    @Option(names = "-A", paramLabel = "<upstream-socket>",
            description = "Also offer, and sign with, the keys of this other agent (proxy).")
    Path upstream;

    @Option(names = "--allow-ssh-rsa", description = "Sign SHA-1 `ssh-rsa` requests; refused by default.")
    boolean allowSshRsa;

    private final ForegroundService foreground = new ForegroundService();

    @Override
    public Integer call() throws Exception {
        if (pinFile != null) {
            SecretFileMode.requirePrivate(pinFile, "PIN"); // at start; the agent's PIN source checks each read
        }
        TokenStore s = store.open();
        List<String> skipped = new ArrayList<>();
        List<TokenRecord> chosen = TokenChoice.tokens(s, tokenLabels, skipped);
        List<String> labels = TokenChoice.labels(chosen);
        ParentKind parent = TokenChoice.oneParent(chosen, "agent");
        PrintWriter err = err();
        foreground.logTo(AGENT_LOGGER, err, "tpmssh agent", Main.isVerbose(spec.commandLine().getParseResult()));
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(AGENT_LOGGER);
        TokenSession session = null;
        SshAgentServer agent = null;
        List<AgentKey> keys = new ArrayList<>();
        try {
            skipped.forEach(why -> logger.warning("skipping " + why));
            if (parent != null) {
                session = TokenSession.serving(tpm, s, parent);
                for (String label : labels) {
                    try {
                        keys.addAll(TokenKeys.agentKeys(session.tokens(), label,
                                why -> logger.warning("skipping " + why)));
                    } catch (StoreException e) {
                        logger.warning("skipping token '" + label + "': " + e.getMessage());
                    }
                }
            }
            AgentOptions.Builder options = AgentOptions.builder().pinCacheLifetime(pinCacheLifetime)
                    .allowSha1Rsa(allowSshRsa).upstream(upstream).idleTimeout(idleTimeout);
            if (pinFile != null) {
                options.pinFile(pinFile);
            }
            List<AgentKey> offered = List.copyOf(keys);
            agent = SshAgentServer.start(socket, () -> offered, options.build());
            foreground.installShutdownHook("tpmssh-agent-shutdown");
            out().println("SSH_AUTH_SOCK=" + agent.socketPath() + "; export SSH_AUTH_SOCK;");
            out().flush();
            err.println("tpmssh agent: offering " + offered.size() + " key" + (offered.size() == 1 ? "" : "s")
                    + " of " + (labels.isEmpty() ? "no tokens" : "token" + (labels.size() == 1 ? " " : "s ")
                    + String.join(", ", labels)) + " on " + agent.socketPath() + "; stop with Ctrl-C");
            err.flush();
            foreground.serveUntilStopped();
            return 0;
        } finally {
            shutDown(agent, keys, session);
            err.flush();
            foreground.finished();
        }
    }

    /** Asks a running agent to stop, as SIGTERM would; returns once the ring is closed or the timeout passed. */
    public boolean stop(long timeout, TimeUnit unit) throws InterruptedException {
        return foreground.stop(timeout, unit);
    }

    /** Waits until the socket is listening (or the command failed before that). */
    public boolean awaitServing(long timeout, TimeUnit unit) throws InterruptedException {
        return foreground.awaitServing(timeout, unit);
    }

    /**
     * The agent first, so no request reaches a closed ring; then the keys, which wipe any token secret
     * they kept; then the ring, which flushes every object.
     */
    private static void shutDown(SshAgentServer agent, List<AgentKey> keys, TokenSession session) {
        if (agent != null) {
            agent.close();
        }
        for (AgentKey key : keys) {
            if (key instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // a key that cannot close has nothing secret left to lose; go on with the rest
                }
            }
        }
        if (session != null) {
            session.close();
        }
    }

    /** Durations as people write them: 300, 300s, 5m, 1h, or ISO-8601 (PT5M). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim();
            try {
                if (v.startsWith("P") || v.startsWith("p")) {
                    return Duration.parse(v);
                }
                char unit = v.isEmpty() ? 's' : v.charAt(v.length() - 1);
                String number = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
                long n = Long.parseLong(number);
                Duration d = switch (Character.isDigit(unit) ? 's' : unit) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> throw new IllegalArgumentException();
                };
                if (d.isNegative()) {
                    throw new IllegalArgumentException();
                }
                return d;
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; write e.g. 300s,"
                        + " 5m or 1h");
            }
        }
    }
}
