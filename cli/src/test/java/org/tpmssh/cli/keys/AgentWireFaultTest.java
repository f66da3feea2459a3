package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tpmssh.cli.Main;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.harness.latency.AgentRoundTrip;
import org.tpmssh.harness.wire.Exchange;
import org.tpmssh.harness.wire.Fault;
import org.tpmssh.harness.wire.Operation;
import org.tpmssh.harness.wire.TpmWireProxy;
import org.tpmssh.stack.ssh.AgentKey;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.CommandCode;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.transport.Tcti;

/**
 * The user's view of the wire faults: one real {@code tpmssh agent} process, with a PIN key, reaches a swtpm through
 * the wire proxy. For each fault, a sign request while it lasts fails within its bound (or is retried without the
 * client noticing), and once it stops the same agent process signs again, with the same transient objects and no
 * more sessions in the TPM than before (GetCapability on a connection of the test's own).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentWireFaultTest {
    private static final String USER_PIN = "wire-agent-pin-2468";
    private static final String SO_PIN = "wire-agent-so-1357";
    /** The agent's answer bound, set as a user would: TPMSSH_TPM_TIMEOUT. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration BOUND = TIMEOUT.plusSeconds(8);

    /** The faults a user must come back from, each fired at the agent's next TPM2_Sign. */
    enum WireFault {
        /** The connection drops after the TPM ran Sign; once: the agent's retry on a new connection. */
        DROPPED_ONCE(1, true) {
            @Override
            Fault fault() {
                return Fault.dropAfterTpm();
            }
        },
        /** It drops again on the retry: the request fails. */
        DROPPED_TWICE(2, false) {
            @Override
            Fault fault() {
                return Fault.dropAfterTpm();
            }
        },
        TRUNCATED(1, false) {
            @Override
            Fault fault() {
                return Fault.truncate(12);
            }
        },
        DELAYED_PAST_THE_TIMEOUT(1, false) {
            @Override
            Fault fault() {
                return Fault.delay(TIMEOUT.plusSeconds(2));
            }
        },
        LOCKOUT(1, false) {
            @Override
            Fault fault() {
                return Fault.respond(ResponseCodes.LOCKOUT);
            }
        };

        final int times;
        final boolean transparent;

        WireFault(int times, boolean transparent) {
            this.times = times;
            this.transparent = transparent;
        }

        abstract Fault fault();
    }

    private Swtpm swtpm;
    private TpmWireProxy proxy;
    private Process agent;
    private Path socket;
    private byte[] blob;
    private Path agentLog;

    @BeforeAll
    void startAgent(@TempDir Path classDir) throws Exception {
        swtpm = Cli.relaxedSwtpm();
        proxy = TpmWireProxy.inFrontOf(swtpm.tcti());
        Cli cli = Cli.through(proxy.tcti(), classDir.resolve("store"));
        Path userPin = Cli.secretFile(classDir, "user.pin", USER_PIN);
        Path soPin = Cli.secretFile(classDir, "so.pin", SO_PIN);
        cli.run("token", "init", "--label", "work", "--user-pin-file", userPin.toString(), "--so-pin-file",
                soPin.toString()).ok();
        cli.run("key", "create", "--token", "work", "--label", "laptop", "--algorithm", "ecc-p256", "--pin-file",
                userPin.toString()).ok();
        blob = Base64.getDecoder().decode(cli.run("key", "pub", "--token", "work", "--label", "laptop").ok().out()
                .strip().split(" ")[1]);

        socket = classDir.resolve("agent/agent.sock");
        agentLog = classDir.resolve("agent.err");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "agent", "--socket", socket.toString(), "--tcti", proxy.tcti(), "--store",
                cli.store().toString(), "--token", "work", "--pin-file", userPin.toString())
                .redirectError(agentLog.toFile());
        pb.environment().put("TPMSSH_TPM_TIMEOUT", TIMEOUT.toSeconds() + "s");
        pb.environment().remove("TPMSSH_PIN");
        pb.environment().remove("SSH_ASKPASS");
        agent = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).as("the agent's first line; its log: %s", Files.readString(agentLog))
                .isEqualTo("SSH_AUTH_SOCK=" + socket + "; export SSH_AUTH_SOCK;");
    }

    @AfterAll
    void stopAgent() throws Exception {
        try {
            if (agent != null) {
                agent.destroy(); // SIGTERM: the agent flushes what it loaded, then exits
                if (!agent.waitFor(30, TimeUnit.SECONDS)) {
                    agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                assertThat(agent.exitValue()).as("the agent ended by SIGTERM").isEqualTo(143);
                assertThat(handleLists().transients()).as("nothing left once the agent stopped").isEmpty();
            }
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            if (swtpm != null) {
                swtpm.close();
            }
        }
    }

    @BeforeEach
    void signsBefore() throws Exception {
        proxy.clearFaults();
        assertThat(sign()).as("the agent signs before the fault").isEqualTo(1);
    }

    @ParameterizedTest(name = "[{0}]")
    @EnumSource(WireFault.class)
    void theSameAgentServesAgainOnceTheFaultStopsAndLeavesNothingBehind(WireFault f) throws Exception {
        HandleLists before = handleLists();
        long pid = agent.pid();
        proxy.inject(CommandCode.SIGN, f.times, f.fault());

        long start = System.nanoTime();
        try (Operation faulted = proxy.operation(f.name())) {
            if (f.transparent) {
                assertThat(sign()).as("a dropped connection is retried without the client noticing").isEqualTo(1);
                assertThat(signsOn(faulted)).as("the dropped Sign and the retry").isEqualTo(2);
            } else {
                assertThatThrownBy(this::sign).as("the request during the fault").hasMessageContaining(
                        "the agent refused sign request 1");
            }
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no wait beyond the bound").isLessThan(BOUND);
        proxy.clearFaults();
        if (f == WireFault.DELAYED_PAST_THE_TIMEOUT) {
            Thread.sleep(TIMEOUT.toMillis() + 500); // the late answer has come and gone
        }

        assertThat(sign()).as("the same agent signs once the fault stops").isEqualTo(1);
        assertThat(agent.isAlive() && agent.pid() == pid).as("the same agent process").isTrue();
        HandleLists after = handleLists();
        assertThat(after.transients()).as("transient objects, before: %s", before).isEqualTo(before.transients());
        assertThat(after.sessions()).as("sessions, before: %s", before).isLessThanOrEqualTo(before.sessions());
        if (f == WireFault.LOCKOUT) {
            assertThat(Files.readString(agentLog)).contains("dictionary-attack lockout");
        }
        assertThat(Files.readString(agentLog)).doesNotContain(USER_PIN).doesNotContain("\tat ");
    }

    /** One bare sign request through the agent socket; 1 when JCA verified the signature. */
    private int sign() throws Exception {
        return AgentRoundTrip.measure(socket, blob, AgentKey.SSH_AGENT_RSA_SHA2_256, 1, "agent-wire-fault");
    }

    private static long signsOn(Operation op) {
        return op.exchanges().stream().filter(e -> e.commandCode() == CommandCode.SIGN).map(Exchange::connection)
                .count();
    }

    /** The TPM's transient objects and its sessions, loaded and saved, read through the proxy. */
    private HandleLists handleLists() throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(proxy.tcti()).open())) {
            List<Integer> sessions = new ArrayList<>(GetCapability.handles(tpm, Handles.LOADED_SESSION_FIRST));
            sessions.addAll(GetCapability.handles(tpm, 0x03000000));
            return new HandleLists(new ArrayList<>(new TreeSet<>(GetCapability.handles(tpm, Handles.TRANSIENT_FIRST))),
                    sessions.size());
        }
    }

    private record HandleLists(List<Integer> transients, int sessions) {
    }
}
