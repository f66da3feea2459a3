package org.tpmssh.stack.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tpmssh.stack.agent.AgentRequests.identities;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.stack.ssh.SshCurve;

/** With -A, each client connection has its own link to the upstream agent, and it ends when the client's does. */
class UpstreamLinkTest {

    @TempDir
    Path dir;

    @Test
    void closingAClientConnectionClosesItsUpstreamLink() throws Exception {
        Path socket = dir.resolve("upstream.sock");
        CountDownLatch hungUp = new CountDownLatch(1);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            // A stand-in upstream agent that holds no keys and notices when our agent hangs up.
            Thread upstream = new Thread(() -> {
                try (SocketChannel link = server.accept()) {
                    ByteBuffer header = ByteBuffer.allocate(4);
                    while (readFully(link, header.clear())) {
                        readFully(link, ByteBuffer.allocate(header.getInt(0)));
                        link.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 5, AgentMessages.SSH_AGENT_IDENTITIES_ANSWER,
                                0, 0, 0, 0}));
                    }
                    hungUp.countDown();
                } catch (IOException e) {
                    // the test fails on the latch
                }
            }, "stand-in upstream agent");
            upstream.setDaemon(true);
            upstream.start();
            try (LocalAgent agent = new LocalAgent(AgentOptions.builder().environment(Map.of()).upstream(socket)
                    .build())) {
                agent.supplied.add(SoftwareAgentKey.ecdsa(SshCurve.NISTP256, "ours"));
                assertThat(Identities.comments(agent.ask(identities()))).containsExactly("ours");
                assertThat(hungUp.getCount()).as("the link stays open between requests").isEqualTo(1);
                agent.connection.close();
                assertThat(hungUp.await(10, TimeUnit.SECONDS)).as("upstream saw the link close").isTrue();
            }
        }
    }

    /** False at end of stream before any byte. */
    private static boolean readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }
}
