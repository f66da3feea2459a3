package org.tpmssh.stack.agent;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.tpmssh.stack.pinentry.Askpass;
import org.tpmssh.stack.pinentry.PinResolver;
import org.tpmssh.stack.pinentry.PinSource;
import org.tpmssh.stack.pinentry.PinSources;

/**
 * How an {@link SshAgentServer} behaves beyond listing and signing; made by {@link #builder()}, whose setters
 * say what each setting does.
 */
public record AgentOptions(boolean allowSha1Rsa, PinResolver pins, Askpass askpass, AddedKeyPolicy addedKeys,
        Path upstream, Duration frameTimeout, Duration idleTimeout, Clock clock) {

    public AgentOptions {
        Objects.requireNonNull(pins, "pins");
        Objects.requireNonNull(askpass, "askpass");
        Objects.requireNonNull(addedKeys, "addedKeys");
        Objects.requireNonNull(frameTimeout, "frameTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(clock, "clock");
    }

    /** The defaults, with PIN sources from this process's environment and no upstream. */
    public static AgentOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link AgentOptions}; every setting has a safe default. */
    public static final class Builder {
        private boolean allowSha1Rsa;
        private Map<String, String> environment = System.getenv();
        private Path pinFile;
        private Duration pinCacheLifetime = Duration.ZERO;
        private Duration askpassTimeout = Duration.ofSeconds(60);
        private List<PinSource> pinSources;
        private AddedKeyPolicy addedKeys = AddedKeyPolicy.inMemory();
        private Path upstream;
        private Duration frameTimeout = SshAgentServer.DEFAULT_FRAME_TIMEOUT;
        private Duration idleTimeout = SshAgentServer.DEFAULT_IDLE_TIMEOUT;
        private Clock clock = Clock.systemUTC();

        /** {@code --allow-ssh-rsa}: sign SHA-1 {@code ssh-rsa} when a client asks for it; off by default. */
        public Builder allowSha1Rsa(boolean allow) {
            this.allowSha1Rsa = allow;
            return this;
        }

        /** The environment SSH_ASKPASS, DISPLAY and TPMSSH_PIN are read from; default the process's. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** {@code --pin-file}: one line, read for each signature that needs a PIN. */
        public Builder pinFile(Path pinFile) {
            this.pinFile = pinFile;
            return this;
        }

        /** How long a PIN the TPM accepted is reused for its scope; zero (the default) caches nothing. */
        public Builder pinCacheLifetime(Duration lifetime) {
            this.pinCacheLifetime = lifetime;
            return this;
        }

        /** How long a person gets to answer SSH_ASKPASS, for a PIN or a confirmation; default 60 s. */
        public Builder askpassTimeout(Duration timeout) {
            this.askpassTimeout = timeout;
            return this;
        }

        /** Replaces the default order (askpass, PIN file, TPMSSH_PIN) entirely. */
        public Builder pinSources(List<PinSource> sources) {
            this.pinSources = List.copyOf(sources);
            return this;
        }

        /** What becomes of keys added with {@code ssh-add}; default {@link AddedKeyPolicy#inMemory()}. */
        public Builder addedKeys(AddedKeyPolicy policy) {
            this.addedKeys = policy;
            return this;
        }

        /** {@code -A}: another agent's socket whose keys are offered and used too; null (the default) for none. */
        public Builder upstream(Path socket) {
            this.upstream = socket;
            return this;
        }

        /** A client that starts a frame must finish it within this; default 10 s. */
        public Builder frameTimeout(Duration timeout) {
            this.frameTimeout = timeout;
            return this;
        }

        /**
         * {@code --idle-timeout}: a client silent this long between requests is disconnected; default 5 min,
         * longer than sshd's LoginGraceTime; zero never disconnects an idle client.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        /** For key lifetimes and the PIN cache. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public AgentOptions build() {
            Askpass askpass = new Askpass(environment, askpassTimeout);
            List<PinSource> sources = pinSources;
            String advice = null;
            if (sources == null) {
                advice = askpass.howToProvide() + ", pass --pin-file FILE (one line), or set TPMSSH_PIN";
                sources = new ArrayList<>();
                sources.add(askpass);
                if (pinFile != null) {
                    sources.add(PinSources.file(pinFile));
                }
                sources.add(PinSources.environment(environment));
            }
            PinResolver pins = new PinResolver(sources, pinCacheLifetime, clock, advice, SshAgentServer.LOG);
            return new AgentOptions(allowSha1Rsa, pins, askpass,
                    addedKeys, upstream, frameTimeout, idleTimeout, clock);
        }
    }
}
