package org.tpmssh.cli.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.ForeignClient;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.harness.latency.AgentRoundTrip;
import org.tpmssh.stack.ssh.SshPublicKeys;
import org.tpmssh.stack.store.KeyRecord;
import org.tpmssh.stack.store.TokenRecord;
import org.tpmssh.stack.store.TokenStore;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.objects.KeyRing;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.transport.Tcti;
import org.tpmssh.tpm.transport.TransportTimeouts;

/**
 * issue 10, item 5, from the user's side: a verb killed part-way on a swtpm (no resource manager) left its objects
 * loaded, and every later {@code key create} and {@code agent} failed with TPM_RC_OBJECT_MEMORY. Now they flush what
 * the store proves theirs, and leave another program's objects alone, naming tpm2_flushcontext when those block.
 */
class LeftoversCommandTest {
    private static final String PIN = "4711-left";
    private static final int AGENT_RSA_SHA2_256 = 2;

    @TempDir
    Path dir;

    @Test
    void afterAKilledVerbKeyCreateAndTheAgentWorkAndAnotherProgramsObjectSurvives() throws Exception {
        assumeTrue(ForeignClient.unavailable().isEmpty(), () -> ForeignClient.unavailable().orElseThrow());
        try (Swtpm swtpm = relaxedSwtpm()) {
            Cli cli = new Cli(swtpm, dir.resolve("store"));
            Path pin = Cli.secretFile(dir, "user.pin", PIN);
            Path so = Cli.secretFile(dir, "so.pin", "so-" + PIN);
            cli.run("token", "init", "--label", "t", "--user-pin-file", pin.toString(), "--so-pin-file",
                    so.toString()).ok();
            cli.run("key", "create", "--token", "t", "--label", "k1", "--algorithm", "ecc-p256", "--pin-file",
                    pin.toString()).ok();

            killedMidVerb(swtpm, cli.store(), true); // its SRK, the user seal and k1: all three slots
            assertThat(transients(swtpm)).hasSize(3);
            cli.run("key", "create", "--token", "t", "--label", "k2", "--algorithm", "ecc-p256", "--pin-file",
                    pin.toString()).ok();
            assertThat(transients(swtpm)).as("the leftovers went with the verb's own objects").isEmpty();

            killedMidVerb(swtpm, cli.store(), false); // its SRK and k1
            int foreign = ForeignClient.of(swtpm.tcti(), dir.resolve("tools")).createPrimary();
            byte[] foreignName = nameAt(swtpm, foreign);
            try (RunningAgent agent = new RunningAgent(cli, "--socket", dir.resolve("agent/sock").toString(), "--pin-file",
                    pin.toString())) {
                for (KeyRecord k : TokenStore.open(cli.store()).keys("t")) {
                    byte[] blob = SshPublicKeys.encode(k.tpmPublic().toPublicKey());
                    assertThat(AgentRoundTrip.measure(agent.socket(), blob, AGENT_RSA_SHA2_256, 1, "leftovers"))
                            .as("key %s signs through the agent, verified by the JDK", k.label()).isEqualTo(1);
                }
            }
            assertThat(transients(swtpm)).as("only the other program's object is left").containsExactly(foreign);
            assertThat(nameAt(swtpm, foreign)).isEqualTo(foreignName);
        }
    }

    @Test
    void whenAnotherProgramsObjectsFillTheTpmKeyCreateSaysWhoseTheyAreAndHowToFreeThem() throws Exception {
        assumeTrue(ForeignClient.unavailable().isEmpty(), () -> ForeignClient.unavailable().orElseThrow());
        try (Swtpm swtpm = relaxedSwtpm()) {
            Cli cli = new Cli(swtpm, dir.resolve("store"));
            cli.run("token", "init", "--label", "ci", "--no-user-pin").ok();
            ForeignClient other = ForeignClient.of(swtpm.tcti(), dir.resolve("tools"));
            List<Integer> foreign = List.of(other.createPrimary(), other.createPrimary(), other.createPrimary());

            Cli.Run r = cli.run("key", "create", "--token", "ci", "--label", "k", "--algorithm", "ecc-p256")
                    .userError();
            assertThat(r.err()).contains("belong to another program").contains("tpm2_flushcontext -t")
                    .contains(Handles.hex(foreign.get(0))).contains(Handles.hex(foreign.get(2)));
            assertThat(transients(swtpm)).as("nothing of theirs was touched").containsExactlyElementsOf(foreign);
            assertThat(TokenStore.open(cli.store()).keys("ci")).isEmpty();
        }
    }

    /**
     * What a SIGKILLed verb leaves: a ring that loaded the token's storage key, its user seal (a PIN login) when
     * {@code seal}, and its first key, and a session, then lost its process: nothing was flushed or closed.
     */
    static void killedMidVerb(Swtpm swtpm, Path store, boolean seal) throws Exception {
        TokenStore s = TokenStore.open(store);
        TokenRecord t = s.requireToken("t");
        KeyRing ring = KeyRing.open(new Tpm(Tcti.parse(swtpm.tcti()).open()), t.parent().template());
        if (seal) {
            ring.cache().use(ring.register(t.userSeal().privateBlob(), TpmtPublic.fromBytes(t.userSeal().publicArea()),
                    "seal"), h -> h);
        }
        KeyRecord k = s.keys("t").get(0);
        ring.cache().use(ring.register(k.privateBlob(), k.tpmPublic(), k.label()), h -> h);
        ring.session();
        ring.tpm().transport().close(); // as the kernel closes a dead process's socket
    }

    private static Swtpm relaxedSwtpm() throws Exception {
        return Cli.relaxed(Swtpm.builder().unixSocket(true).start());
    }

    private static List<Integer> transients(Swtpm swtpm) throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).connect(TransportTimeouts.DEFAULT))) {
            return GetCapability.handles(tpm, Handles.TRANSIENT_FIRST);
        }
    }

    private static byte[] nameAt(Swtpm swtpm, int handle) throws Exception {
        try (Tpm tpm = new Tpm(Tcti.parse(swtpm.tcti()).connect(TransportTimeouts.DEFAULT))) {
            return ReadPublic.name(tpm, handle);
        }
    }
}
