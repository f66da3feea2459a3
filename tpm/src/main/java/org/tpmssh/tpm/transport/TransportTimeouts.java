package org.tpmssh.tpm.transport;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long a transport waits, so that no wait is unbounded; docs/tpm-layer.md explains the defaults.
 *
 * @param connect to connect (a socket) or open (a device, a TCTI module)
 * @param firstAnswer how long a new simulator connection may stay silent before we check whether the
 *     simulator is serving another client (swtpm serves one connection at a time)
 * @param answer for each response: long enough for RSA key generation on the slowest real chips
 */
public record TransportTimeouts(Duration connect, Duration firstAnswer, Duration answer) {

    /** Sets {@link #answer} (and caps the others at it), e.g. {@code 90}, {@code 90s}, {@code 500ms}, {@code 2m}. */
    public static final String ENVIRONMENT_VARIABLE = "TPMSSH_TPM_TIMEOUT";

    public static final TransportTimeouts DEFAULT = new TransportTimeouts(Duration.ofSeconds(5),
            Duration.ofSeconds(2), Duration.ofSeconds(60));

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m)?");

    public TransportTimeouts {
        for (Duration d : new Duration[] {connect, firstAnswer, answer}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("every TPM timeout must be positive: " + connect + ", "
                        + firstAnswer + ", " + answer);
            }
        }
    }

    /**
     * The defaults with {@code answer} as the response bound; the connect bound never exceeds it, and the first-answer
     * bound leaves half of it for asking swtpm's control channel whether it is busy.
     */
    public static TransportTimeouts of(Duration answer) {
        Duration half = answer.dividedBy(2);
        return new TransportTimeouts(min(DEFAULT.connect, answer), min(DEFAULT.firstAnswer,
                half.isZero() ? answer : half), answer);
    }

    /** {@link #DEFAULT}, or the answer bound that {@value #ENVIRONMENT_VARIABLE} sets. */
    public static TransportTimeouts fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    static TransportTimeouts fromEnvironment(Map<String, String> environment) {
        String value = environment.get(ENVIRONMENT_VARIABLE);
        if (value == null || value.isBlank()) {
            return DEFAULT;
        }
        try {
            return of(parseDuration(value));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ENVIRONMENT_VARIABLE + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code 60} (seconds), {@code 60s}, {@code 500ms} or {@code 2m}; a typo gets one sentence. */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = m.group(2) == null || m.group(2).equals("s") ? Duration.ofSeconds(n)
                    : m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofMinutes(n);
            if (!d.isZero()) {
                return d;
            }
        }
        throw new IllegalArgumentException("\"" + text + "\" is not a TPM timeout; write a positive number of seconds"
                + " (60) or one with a unit (500ms, 90s, 2m)");
    }

    /** A duration as a person reads it: {@code 800 ms}, {@code 60 s}. */
    static String describe(Duration d) {
        return d.toMillis() < 1000 || d.toMillis() % 1000 != 0 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
