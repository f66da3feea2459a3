package org.tpmssh.stack.p11kit;

import java.time.Duration;
import java.util.Set;

/**
 * What a {@link P11KitServer} offers and how it guards its socket.
 *
 * @param tokenLabels the tokens to offer; empty offers every token under the ring's storage key,
 *     including tokens made while the server runs
 * @param placeholderCertificates also offer, per key, an X.509 certificate object that holds the
 *     key's public key, issued by a throwaway key made at start; Java's SunPKCS11 KeyStore lists only
 *     keys that have a certificate, and nothing should trust these
 * @param frameTimeout how long a client may take to finish a message it started
 */
public record P11KitOptions(Set<String> tokenLabels, boolean placeholderCertificates, Duration frameTimeout) {
    public static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(10);

    public P11KitOptions {
        tokenLabels = Set.copyOf(tokenLabels);
    }

    public static P11KitOptions defaults() {
        return new P11KitOptions(Set.of(), false, DEFAULT_FRAME_TIMEOUT);
    }

    public P11KitOptions withTokens(Set<String> labels) {
        return new P11KitOptions(labels, placeholderCertificates, frameTimeout);
    }

    public P11KitOptions withPlaceholderCertificates(boolean on) {
        return new P11KitOptions(tokenLabels, on, frameTimeout);
    }

    public P11KitOptions withFrameTimeout(Duration timeout) {
        return new P11KitOptions(tokenLabels, placeholderCertificates, timeout);
    }
}
