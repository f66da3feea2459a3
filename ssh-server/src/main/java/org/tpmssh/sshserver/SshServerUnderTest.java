package org.tpmssh.sshserver;

import java.io.IOException;
import java.util.List;

/**
 * An SSH server a scenario logs in to (OpenSSH sshd or MINA SSHD): where it listens, which host
 * key to trust and which user keys it accepts.
 */
public interface SshServerUnderTest extends AutoCloseable {

    /** Always a loopback address: servers under test are never reachable from the network. */
    String host();

    int port();

    /** The host public key as {@code type base64}, without a comment. */
    String hostPublicKeyLine();

    /** The line a client's known_hosts needs to trust this server, e.g. {@code [127.0.0.1]:2222 ssh-ed25519 AAAA…}. */
    default String knownHostsLine() {
        // ssh looks up non-default ports in the bracketed form only.
        String name = port() == 22 ? host() : "[" + host() + "]:" + port();
        return name + " " + hostPublicKeyLine();
    }

    /** Replaces the accepted user keys; takes effect for the next login. */
    void setAuthorizedKeys(List<String> authorizedKeysLines) throws IOException;

    /** Stops the server and reaps its processes. Idempotent. */
    @Override
    void close();
}
