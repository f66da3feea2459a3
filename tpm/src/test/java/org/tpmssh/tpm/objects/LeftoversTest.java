package org.tpmssh.tpm.objects;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tpmssh.emulators.ForeignClient;
import org.tpmssh.emulators.Swtpm;
import org.tpmssh.tpm.ResponseCodes;
import org.tpmssh.tpm.TpmResponseException;
import org.tpmssh.tpm.commands.Create;
import org.tpmssh.tpm.commands.DictionaryAttack;
import org.tpmssh.tpm.commands.GetCapability;
import org.tpmssh.tpm.commands.ReadPublic;
import org.tpmssh.tpm.commands.Tpm;
import org.tpmssh.tpm.structures.Alg;
import org.tpmssh.tpm.structures.Handles;
import org.tpmssh.tpm.structures.Signature;
import org.tpmssh.tpm.structures.Templates;
import org.tpmssh.tpm.structures.TpmtPublic;
import org.tpmssh.tpm.testing.Verify;
import org.tpmssh.tpm.transport.Tcti;

/**
 * What a killed tpmssh leaves on a swtpm (no resource manager): a ring that loaded objects and was abandoned
 * without close, as a SIGKILLed process abandons it. The next ring flushes what its Names prove ours, and leaves the
 * objects of another program (the real tpm2-tools) alone, naming tpm2_flushcontext when they are what blocks.
 */
class LeftoversTest {
    private static final byte[] PIN = "leftover-pin-7".getBytes(StandardCharsets.UTF_8);
    private static final int LOADED_SESSIONS = 0x02000000;

    @TempDir
    Path dir;

    @Test
    void aKilledRingsObjectsAreFlushedByTheNextRingAndAForeignObjectSurvives() throws Exception {
        assumeTrue(ForeignClient.unavailable().isEmpty(), () -> ForeignClient.unavailable().orElseThrow());
        try (Swtpm swtpm = Swtpm.builder().unixSocket(true).start()) {
            Tcti tcti = Tcti.parse(swtpm.tcti());
            Blob key = storedKey(tcti);
            abandonAfterSigning(tcti, key); // our SRK and the key stay loaded, and its session
            int foreign = ForeignClient.of(swtpm.tcti(), dir).createPrimary(); // the third and last slot
            byte[] foreignName = nameAt(tcti, foreign);
            List<Integer> sessionsBefore = look(tcti, LOADED_SESSIONS);
            assertThat(look(tcti, Handles.TRANSIENT_FIRST)).hasSize(3).contains(foreign);

            // What the user met before: every ring that may not flush fails, the same way each time.
            try (Tpm tpm = new Tpm(tcti.open())) {
                assertThatThrownBy(() -> KeyRing.open(tpm, Templates.srkEcc()))
                        .isInstanceOfSatisfying(TpmResponseException.class,
                                e -> assertThat(e.is(ResponseCodes.OBJECT_MEMORY)).isTrue());
            }

            Leftovers ours = Leftovers.forTcti(tcti, OwnNames.of(List.of(key.publicArea().name())));
            try (KeyRing ring = KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc(), ours, SessionScope.PER_CALL)) {
                assertThat(GetCapability.handles(ring.tpm(), Handles.TRANSIENT_FIRST))
                        .as("the killed ring's SRK and key are gone, ours and the foreign object are loaded")
                        .containsExactlyInAnyOrder(foreign, ring.srk().handle);
                TpmObject k = ring.register(key.privateBlob(), key.publicArea(), "k");
                assertSigns(ring, k, "after the sweep");
                assertThat(ReadPublic.name(ring.tpm(), foreign)).as("the foreign object is untouched")
                        .isEqualTo(foreignName);
            }
            assertThat(look(tcti, Handles.TRANSIENT_FIRST)).containsExactly(foreign);
            assertThat(look(tcti, LOADED_SESSIONS)).as("the killed ring's session stays (nothing proves whose it"
                    + " is), and the new ring left none").isEqualTo(sessionsBefore).hasSize(1);
        }
    }

    @Test
    void foreignObjectsThatFillTheSlotsAreLeftAloneAndTheMessageNamesTpm2Flushcontext() throws Exception {
        assumeTrue(ForeignClient.unavailable().isEmpty(), () -> ForeignClient.unavailable().orElseThrow());
        try (Swtpm swtpm = Swtpm.builder().unixSocket(true).start()) {
            Tcti tcti = Tcti.parse(swtpm.tcti());
            ForeignClient other = ForeignClient.of(swtpm.tcti(), dir);
            List<Integer> foreign = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                foreign.add(other.createPrimary());
            }
            Leftovers ours = Leftovers.forTcti(tcti, OwnNames.none());
            try (Tpm tpm = new Tpm(tcti.open())) {
                assertThatThrownBy(() -> KeyRing.open(tpm, Templates.srkEcc(), ours, SessionScope.PER_CALL))
                        .isInstanceOfSatisfying(ForeignObjectsException.class, e -> {
                            assertThat(e.foreign()).containsExactlyElementsOf(foreign);
                            assertThat(e.getMessage()).contains("belong to another program")
                                    .contains("tpm2_flushcontext -t")
                                    .contains("tpm2_flushcontext " + Handles.hex(foreign.get(0)))
                                    .contains(Handles.hex(foreign.get(2)));
                        });
            }
            assertThat(look(tcti, Handles.TRANSIENT_FIRST)).containsExactlyElementsOf(foreign);
        }
    }

    @Test
    void underLeaveAllACopyOfOurOwnSrkIsNotTouched() throws Exception {
        try (Swtpm swtpm = Swtpm.builder().unixSocket(true).start()) {
            Tcti tcti = Tcti.parse(swtpm.tcti());
            abandon(KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc()));
            int leftover = look(tcti, Handles.TRANSIENT_FIRST).get(0);
            try (KeyRing ring = KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc(), Leftovers.leaveAll(),
                    SessionScope.PER_CALL)) {
                assertThat(ReadPublic.name(ring.tpm(), leftover)).as("the same Name as our SRK: ours, but a device's"
                        + " rules forbid the flush").isEqualTo(ring.srk().name());
            }
            assertThat(look(tcti, Handles.TRANSIENT_FIRST)).containsExactly(leftover);
        }
    }

    @Test
    void sessionsLeftByKilledRingsAreNeverFlushedAndTheMessageNamesTpm2FlushcontextL() throws Exception {
        try (Swtpm swtpm = Swtpm.builder().unixSocket(true).start()) {
            Tcti tcti = Tcti.parse(swtpm.tcti());
            Leftovers ours = Leftovers.forTcti(tcti, OwnNames.none());
            for (int i = 0; i < 3; i++) { // swtpm holds 3 loaded sessions
                KeyRing ring = KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc(), ours, SessionScope.PER_RING);
                ring.session();
                abandon(ring);
            }
            List<Integer> sessions = look(tcti, LOADED_SESSIONS);
            assertThat(sessions).hasSize(3);
            try (KeyRing ring = KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc(), ours, SessionScope.PER_CALL)) {
                assertThat(GetCapability.handles(ring.tpm(), Handles.TRANSIENT_FIRST)).as("the SRK copies went")
                        .containsExactly(ring.srk().handle);
                assertThatThrownBy(() -> ring.createBlob(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, null))
                        .isInstanceOfSatisfying(TpmResponseException.class, e -> {
                            assertThat(e.is(ResponseCodes.SESSION_MEMORY)).isTrue();
                            assertThat(e.getMessage()).contains("tpm2_flushcontext -l").contains("leaves them alone");
                        });
            }
            assertThat(look(tcti, LOADED_SESSIONS)).as("nothing proves whose they are").isEqualTo(sessions);
        }
    }

    @Test
    void theRuleFlushesOnlyOnSimulatorsWithoutAResourceManager() throws Exception {
        OwnNames names = OwnNames.of(List.of(new byte[] {0, 11, 1}));
        for (String t : List.of("swtpm:host=127.0.0.1,port=2321", "swtpm:path=/tmp/s", "mssim:host=127.0.0.1,port=2321",
                "libtss2-tcti-swtpm.so.0:host=127.0.0.1,port=2321")) {
            assertThat(Leftovers.forTcti(Tcti.parse(t), names)).as(t).isEqualTo(new Leftovers.FlushOurs(names));
        }
        for (String t : List.of("device:/dev/tpmrm0", "device:/dev/tpm0", "tabrmd:bus_type=session", "tabrmd",
                "cmd:tpm2-proxy")) {
            assertThat(Leftovers.forTcti(Tcti.parse(t), names)).as(t).isInstanceOf(Leftovers.LeaveAll.class);
        }
    }

    @Test
    void aPerCallRingHoldsNoSessionBetweenCallsEvenAfterAFailedOne() throws Exception {
        try (Swtpm swtpm = Swtpm.builder().unixSocket(true).start()) {
            Tcti tcti = Tcti.parse(swtpm.tcti());
            try (KeyRing ring = KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc(), Leftovers.leaveAll(),
                    SessionScope.PER_CALL)) {
                DictionaryAttack.relaxForOwnSimulator(ring.tpm());
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "k");
                assertThat(GetCapability.handles(ring.tpm(), LOADED_SESSIONS)).as("after create").isEmpty();
                assertSigns(ring, key, "per call");
                assertThat(GetCapability.handles(ring.tpm(), LOADED_SESSIONS)).as("after sign").isEmpty();
                byte[] wrong = "not-the-pin".getBytes(StandardCharsets.UTF_8);
                assertThatThrownBy(() -> ring.sign(key, wrong, new byte[32], Alg.ECDSA, Alg.SHA256))
                        .isInstanceOfSatisfying(TpmResponseException.class,
                                e -> assertThat(e.is(ResponseCodes.AUTH_FAIL)).isTrue());
                assertThat(GetCapability.handles(ring.tpm(), LOADED_SESSIONS)).as("after a refused sign").isEmpty();
                Create.Result sealed = ring.createBlob(Templates.sealedData(false), PIN, new byte[] {1, 2, 3});
                byte[] out = ring.unseal(ring.register(sealed.outPrivate(), sealed.outPublic(), "seal"), PIN);
                assertThat(out).containsExactly(1, 2, 3);
                assertThat(GetCapability.handles(ring.tpm(), LOADED_SESSIONS)).as("after unseal").isEmpty();
            }
            try (KeyRing ring = KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc())) {
                TpmObject key = ring.create(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, "k");
                assertSigns(ring, key, "per ring");
                assertThat(GetCapability.handles(ring.tpm(), LOADED_SESSIONS)).as("control: a ring's own session")
                        .hasSize(1);
            }
        }
    }

    /** A key's blob, as a store keeps it; the ring that made it closes properly. */
    private record Blob(byte[] privateBlob, TpmtPublic publicArea) {
    }

    private static Blob storedKey(Tcti tcti) throws Exception {
        try (KeyRing ring = KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc())) {
            DictionaryAttack.relaxForOwnSimulator(ring.tpm());
            Create.Result r = ring.createBlob(Templates.eccSigningKey(Alg.ECC_NIST_P256, false), PIN, null);
            return new Blob(r.outPrivate(), r.outPublic());
        }
    }

    /** Loads the SRK, the key and a session, then lets go as a SIGKILLed process does: no flush, no close. */
    private static void abandonAfterSigning(Tcti tcti, Blob key) throws Exception {
        KeyRing ring = KeyRing.open(new Tpm(tcti.open()), Templates.srkEcc());
        assertSigns(ring, ring.register(key.privateBlob(), key.publicArea(), "k"), "before the kill");
        abandon(ring);
    }

    private static void abandon(KeyRing ring) {
        ring.tpm().transport().close(); // the socket goes, as the kernel closes a dead process's; nothing is flushed
    }

    private static List<Integer> look(Tcti tcti, int range) throws Exception {
        try (Tpm tpm = new Tpm(tcti.connect(org.tpmssh.tpm.transport.TransportTimeouts.DEFAULT))) {
            return GetCapability.handles(tpm, range);
        }
    }

    private static byte[] nameAt(Tcti tcti, int handle) throws Exception {
        try (Tpm tpm = new Tpm(tcti.connect(org.tpmssh.tpm.transport.TransportTimeouts.DEFAULT))) {
            return ReadPublic.name(tpm, handle);
        }
    }

    private static void assertSigns(KeyRing ring, TpmObject key, String when) throws Exception {
        byte[] message = when.getBytes(StandardCharsets.UTF_8);
        Signature s = ring.sign(key, PIN, Alg.hash(Alg.SHA256, message), Alg.ECDSA, Alg.SHA256);
        assertThat(Verify.jca(key.publicArea().toPublicKey(), message, s)).as(when).isTrue();
    }
}
