package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentMessages.*;
import static org.tpmssh.stack.agent.AgentRequests.*;

import java.util.Arrays;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tpmssh.stack.ssh.SshCurve;

/** The request handler's own promises: requests are wiped once answered, and nothing malformed or buggy escapes it. */
class AgentRequestHandlerTest {

    private final AgentLogCapture log = new AgentLogCapture();
    private final LocalAgent agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).build());

    @AfterEach
    void stop() {
        agent.close();
        assertThat(log.anyWithStackTrace()).isFalse();
        log.close();
    }

    @Test
    void everyRequestIsWipedOnceAnswered() throws Exception {
        // Lock and add-identity requests carry a passphrase or a private key.
        for (byte[] request : new byte[][] {lock("wipe-me passphrase"), add(RecordingPolicy.p256(), "wipe me"),
                {SSH_AGENTC_LOCK, 0, 0}}) {
            agent.handler.handle(agent.connection, request);
            assertThat(request).as("after type %d", request[0]).containsOnly(0);
        }
    }

    @Test
    void aMalformedRequestIsLoggedWithItsTypeAndSize() throws Exception {
        byte[] truncated = Arrays.copyOf(sign(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "k").publicKeyBlob(),
                new byte[8], 0), 20);
        assertThat(agent.ask(truncated)).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.WARNING)).anyMatch(m -> m.startsWith("agent: malformed message of type 13 (20 bytes)"));
    }

    @Test
    void anEmptyRequestGetsFailure() {
        assertThat(agent.ask(new byte[0])).containsExactly(SSH_AGENT_FAILURE);
    }

    @Test
    void aBugBehindARequestCostsOneFailureAndIsLoggedWithoutATrace() throws Exception {
        // Removing a key asks the supplier, and nothing on that path expects it to throw.
        SoftwareAgentKey key = SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "k");
        agent.supplied.add(key);
        agent.supplierFailure = new IllegalStateException("key store unreadable");
        assertThat(agent.ask(remove(key.publicKeyBlob()))).containsExactly(SSH_AGENT_FAILURE);
        assertThat(log.records(Level.SEVERE)).contains("agent: message of type 18 (" + remove(key.publicKeyBlob()).length
                + " bytes) failed unexpectedly: java.lang.IllegalStateException: key store unreadable");
        agent.supplierFailure = null;
        assertThat(Identities.comments(agent.ask(identities()))).containsExactly("k");
    }
}
