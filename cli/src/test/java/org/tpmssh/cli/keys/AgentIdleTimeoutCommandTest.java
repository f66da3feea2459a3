package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tpmssh.sshserver.OpenSshClient;

/** {@code tpmssh agent --idle-timeout}: a client that says nothing for that long is disconnected; others are served. */
class AgentIdleTimeoutCommandTest extends SwtpmCliTest {

    @Test
    void aSilentClientIsDisconnectedAfterTheIdleTimeout() throws Exception {
        Cli cli = cli();
        String deploy = cli.pinlessKey("deploy", "ecc-p256");
        try (RunningAgent agent = new RunningAgent(cli, "--socket", dir.resolve("a/agent.sock").toString(),
                "--idle-timeout", "1s");
                SocketChannel silent = SocketChannel.open(UnixDomainSocketAddress.of(agent.socket()))) {
            long start = System.nanoTime();
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return silent.read(ByteBuffer.allocate(1));
                } catch (java.io.IOException e) {
                    return -2;
                }
            });
            assertThat(read.get(20, TimeUnit.SECONDS)).as("end of stream: the agent hung up").isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("not before the timeout")
                    .isGreaterThanOrEqualTo(900);
            assertThat(OpenSshClient.listAgentKeys(agent.socket())).containsExactly(deploy);
        }
    }

    @Test
    void aBadIdleTimeoutIsAUsageError() {
        Cli.Run usage = cli().run("agent", "--socket", dir.resolve("s/a.sock").toString(), "--idle-timeout", "later");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("'later' is not a duration");
    }
}
